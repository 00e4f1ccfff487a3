"""Restart: kill a fan-out half-way, restart it, and compare with a fresh run of what was left."""

from __future__ import annotations

import os

from harness.common import OURS, Context, Outcome, finish, measure, run_dir
from harness.workloads import Group, Workload
from harness.workloads.python_api import script_command, script_outcome

RESTART, FRESH = "ours-restart", "ours-fresh-rest"


def count_markers(directory: str) -> tuple[int, int]:
    """How many children ran (marker files), and how many distinct children that is."""
    names = os.listdir(directory)
    return len(names), len({name.split(".", 1)[0] for name in names})


class Restart(Workload):
    name = "python-restart"
    title = "Restart: a fan-out of N jobs killed half-way, then restarted"
    about = ("`benchmarks/fanout.py --jobs N --marker-dir D`: every child leaves a marker file. Once N/2 "
             "markers exist the leader's whole process group is killed (SIGKILL), then the workflow is "
             "resumed with `--restart`; the restart is what is measured (`ours-restart`). It is compared "
             "with a fresh run of a fan-out of the children that had not finished (`ours-fresh-rest`, N "
             "minus the distinct markers at the kill); the ratio columns are restart / fresh, and CPU per "
             "job is per unfinished child. `reran` counts children that ran twice (they had run but not "
             "committed when killed).")
    baseline = RESTART
    sizes, quick_sizes = [1000], [60]

    def groups(self, ctx: Context) -> list[Group]:
        return [Group(n, (RESTART, FRESH)) for n in (self.quick_sizes if ctx.quick else self.sizes)]

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        if system == RESTART:
            return self._restart(ctx, n, rep)
        previous = ctx.record(self.name, n, RESTART, rep)
        remaining = (previous or {}).get("extra", {}).get("remaining")
        note = "" if remaining else "the restart run left no count of unfinished jobs; using N/2"
        remaining = remaining or n // 2
        directory = run_dir(ctx, self.name, n, system, rep)
        store = os.path.join(directory, "jobstore")
        measurement = measure(ctx, OURS, script_command(ctx, OURS, "fanout.py", store, remaining, "--clean=always"),
                              directory)
        outcome = script_outcome(directory, measurement, remaining * (remaining - 1) // 2)
        outcome.note, outcome.extra["remaining"] = note, remaining
        return finish(ctx, directory, outcome)

    def _restart(self, ctx: Context, n: int, rep: int) -> Outcome:
        directory = run_dir(ctx, self.name, n, RESTART, rep)
        markers, store = os.path.join(directory, "markers"), os.path.join(directory, "jobstore")
        os.makedirs(markers)
        first = script_command(ctx, OURS, "fanout.py", store, n, "--marker-dir", markers)
        killed = measure(ctx, OURS, first, directory, name="first",
                         watch=lambda: len(os.listdir(markers)) >= n // 2)
        runs_before, done = count_markers(markers)
        if killed.returncode == 0:
            return finish(ctx, directory, Outcome(killed, False, note="the workflow finished before the kill"))
        again = script_command(ctx, OURS, "fanout.py", store, n, "--marker-dir", markers, "--restart",
                               "--clean=always")
        measurement = measure(ctx, OURS, again, directory)
        outcome = script_outcome(directory, measurement, n * (n - 1) // 2)
        runs_after, _ = count_markers(markers)
        outcome.extra.update(done_at_kill=done, remaining=n - done, first_wall=round(killed.wall, 3),
                             reran=runs_after - runs_before - (n - done))
        return finish(ctx, directory, outcome)


WORKLOADS = [Restart()]
