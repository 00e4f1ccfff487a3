"""The workloads `make bench` knows, by name, in the order they run and are reported."""

from __future__ import annotations

from dataclasses import dataclass

from harness.common import Context, Outcome

# Which environment each system runs in (None: this checkout).
SYSTEM_ENVS: dict[str, str | None] = {
    "ours": None,
    "toil96": "toil96",
    "cwltool": "cwltool",
    "cwltool-parallel": "cwltool",
    "miniwdl": "miniwdl",
    "ours-restart": None,
    "ours-fresh-rest": None,
}


@dataclass(frozen=True)
class Group:
    """One size of a workload and the systems that run it (alternating, in this order)."""

    n: int
    systems: tuple[str, ...]
    reps: int | None = None  # run this many times whatever was asked (a probe expected to fail: 1)


class Workload:
    name = ""
    title = ""
    about = ""  # what it runs, for the report
    per = "job"  # what CPU per N is per
    baseline = "ours"  # the system the others are compared with
    default = True  # part of a plain `make bench`
    machine_cpu = False  # compare the whole machine's CPU over a run, not the command's tree (containers)

    def groups(self, ctx: Context) -> list[Group]:
        raise NotImplementedError

    def notes(self, ctx: Context) -> list[str]:
        return []

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        raise NotImplementedError

    def reps(self, ctx: Context, requested: int) -> int:
        return requested


def capped(sizes: list[int], cap: int, systems: tuple[str, ...], capped_system: str) -> list[Group]:
    """Groups for sizes, with capped_system left out above cap."""
    return [Group(n, systems if n <= cap else tuple(s for s in systems if s != capped_system)) for n in sizes]


def all_workloads() -> list[Workload]:
    from harness.workloads import conformance, cwl, python_api, restart, scale, staging, wdl

    return [*python_api.WORKLOADS, *restart.WORKLOADS, *cwl.WORKLOADS, *wdl.WORKLOADS, *staging.WORKLOADS,
            *scale.WORKLOADS,
            *conformance.WORKLOADS]
