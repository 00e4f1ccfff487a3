"""What every workload shares: the run context, one measured run, and the record it leaves."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from harness import peers
from harness.measure import Measurement, run_measured

OURS = "ours"
TOIL = "toil96"


@dataclass
class Context:
    repo: str  # this checkout
    cache: str  # peer environments and scratch space
    quick: bool
    timeout: float  # seconds before one run is killed
    toil_cap: int | None  # largest N Toil 9.6 runs at (None: each workload's own cap)
    conformance_jobs: int
    keep: bool = False  # keep every run's directory, not only failed ones
    scale_million: bool = False  # the scale workloads also run at N = 1,000,000
    records: list[dict[str, Any]] = field(default_factory=list)  # every run recorded so far
    envs: dict[str, peers.Environment] = field(default_factory=dict)

    def env(self, system: str) -> peers.Environment:
        return self.envs[system]

    def record(self, workload: str, n: int, system: str, rep: int) -> dict[str, Any] | None:
        for record in reversed(self.records):
            if (record["workload"], record["n"], record["system"], record["rep"]) == (workload, n, system, rep):
                return record
        return None

    def script(self, name: str) -> str:
        return os.path.join(self.repo, "benchmarks", name)


@dataclass
class Outcome:
    """One measured run: its numbers, whether its output was right, and anything else worth keeping."""

    measurement: Measurement
    answer_ok: bool
    answer: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    expected_failure: bool = False  # a run known not to work here (reported, not counted as a failure)

    @property
    def ok(self) -> bool:
        m = self.measurement
        return m.returncode == 0 and not m.timed_out and self.answer_ok


def run_dir(ctx: Context, workload: str, n: int, system: str, rep: int) -> str:
    path = os.path.join(ctx.cache, "work", f"{workload}-{n}-{system}-{rep}")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.join(path, "tmp"))
    return path


def measure(ctx: Context, system: str, command: list[str], directory: str, name: str = "run",
            env_extra: dict[str, str] | None = None, watch: Any = None, cwd: str | None = None) -> Measurement:
    """Run one command of a system in its run directory (TMPDIR inside it); output to NAME.out/.err."""
    env = peers.clean_environment(ctx.env(system), os.path.join(directory, "tmp"))
    env.update(env_extra or {})
    with open(os.path.join(directory, f"{name}.cmd"), "w") as f:
        f.write(" ".join(command) + "\n")
    return run_measured(command, cwd or directory, env, ctx.timeout,
                        os.path.join(directory, f"{name}.out"), os.path.join(directory, f"{name}.err"), watch)


def read(directory: str, name: str) -> str:
    try:
        with open(os.path.join(directory, name), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def last_json(text: str) -> Any:
    """The JSON document a runner printed last on its standard output (None if there is none)."""
    decoder = json.JSONDecoder()
    found = None
    for i, ch in enumerate(text):
        if ch == "{" and (i == 0 or text[i - 1] == "\n"):
            try:
                found, _ = decoder.raw_decode(text[i:])
            except ValueError:
                continue
    return found


def bench_value(text: str, key: str) -> int | None:
    for line in reversed(text.splitlines()):
        if line.startswith(f"BENCH {key}="):
            return int(line.split("=", 1)[1])
    return None


EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Failure)\b[^ ]*: ")


def failure_note(directory: str, measurement: Measurement) -> str:
    """A short reason for a failed run: the timeout, or the last line of its standard error."""
    if measurement.timed_out:
        return f"timed out after {measurement.wall:.0f} s"
    if measurement.returncode == 0:
        return ""
    lines = [line.strip() for line in read(directory, "run.err").splitlines() if line.strip()]
    errors = [line for line in lines if EXCEPTION_LINE.match(line)]
    last = (errors or lines or ["no error output"])[-1]
    return f"exit {measurement.returncode}: {last[:240]}"


def finish(ctx: Context, directory: str, outcome: Outcome) -> Outcome:
    """Note why a run failed; remove its directory unless it failed or --keep was given."""
    if not outcome.note:
        outcome.note = failure_note(directory, outcome.measurement)
        if not outcome.note and not outcome.answer_ok:
            outcome.note = "wrong output"
    if outcome.ok and not ctx.keep:
        shutil.rmtree(directory, ignore_errors=True)
    else:
        outcome.extra["directory"] = directory
    return outcome


def timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
