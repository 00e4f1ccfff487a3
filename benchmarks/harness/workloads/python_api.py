"""Python-API workloads: fan-out, chain, leader memory, and restart after a kill half-way."""

from __future__ import annotations

import os

from harness.common import OURS, TOIL, Context, Outcome, bench_value, finish, measure, read, run_dir
from harness.measure import Measurement
from harness.workloads import Group, Workload, capped

TOIL_CAP = 1000  # Toil 9.6 costs about 0.5 CPU s a job: 10,000 would take well over an hour


def toil_cap(ctx: Context) -> int:
    return ctx.toil_cap if ctx.toil_cap is not None else TOIL_CAP


def script_command(ctx: Context, system: str, script: str, store: str, n: int, *more: str) -> list[str]:
    return [ctx.env(system).python, ctx.script(script), f"file:{store}", "--jobs", str(n), *more]


def script_outcome(directory: str, measurement: Measurement, expected: int) -> Outcome:
    """Check the sum the script printed; keep the leader's own peak memory."""
    out = read(directory, "run.out")
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith("BENCH ")]
    answer = lines[-1].strip() if lines else ""
    outcome = Outcome(measurement, answer == str(expected), f"result {answer}" if answer else "no result")
    leader = bench_value(out, "leader_maxrss_kb")
    if leader is not None:
        outcome.extra["leader_maxrss_kb"] = leader
    return outcome


class FanOut(Workload):
    name = "python-fanout"
    title = "Python API: fan-out of N trivial jobs and a follow-on summing their promises"
    about = ("`benchmarks/fanout.py JOBSTORE --jobs N --clean=always`: a root job adds N children that each "
             "return their index and a follow-on that sums the N promises; the script checks the sum. The "
             "same script runs on both systems with their default options (single machine, all cores).")
    script = "fanout.py"
    sizes, quick_sizes = [100, 1000, 10000], [10, 50]

    def expected(self, n: int) -> int:
        return n * (n - 1) // 2

    def groups(self, ctx: Context) -> list[Group]:
        return capped(self.quick_sizes if ctx.quick else self.sizes, toil_cap(ctx), (OURS, TOIL), TOIL)

    def notes(self, ctx: Context) -> list[str]:
        return [f"Toil 9.6 runs only up to N = {toil_cap(ctx)} (about 0.5 CPU s a job); nothing is extrapolated."]

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        directory = run_dir(ctx, self.name, n, system, rep)
        command = script_command(ctx, system, self.script, os.path.join(directory, "jobstore"), n, "--clean=always")
        measurement = measure(ctx, system, command, directory)
        return finish(ctx, directory, script_outcome(directory, measurement, self.expected(n)))


class Chain(FanOut):
    name = "python-chain"
    title = "Python API: a chain of N jobs"
    about = ("`benchmarks/chain.py JOBSTORE --jobs N`: N jobs, each the only child of the one before, the "
             "last one's value handed back up as a promise. Both systems may run a sole successor in the "
             "same worker (chaining); that is part of what is measured.")
    script = "chain.py"
    sizes, quick_sizes = [1000], [20]

    def expected(self, n: int) -> int:
        return n

    def notes(self, ctx: Context) -> list[str]:
        return []


class Memory(FanOut):
    name = "python-memory"
    title = "Python API: leader peak memory for a fan-out of N jobs"
    about = ("`benchmarks/fanout.py` at N = 100,000, ours only, one run. `leader` (last column) is the "
             "leader's own peak resident set (`getrusage(RUSAGE_SELF)` at its end); `max RSS` is the largest "
             "process in the tree. Toil's leader memory, at N up to its cap, is in the fan-out table.")
    sizes, quick_sizes = [100000], [1000]
    per = "job"

    def groups(self, ctx: Context) -> list[Group]:
        return [Group(n, (OURS,)) for n in (self.quick_sizes if ctx.quick else self.sizes)]

    def notes(self, ctx: Context) -> list[str]:
        return []

    def reps(self, ctx: Context, requested: int) -> int:
        return 1


class Watched(FanOut):
    name = "python-fanout-watched"
    title = "Python API: the fan-out with --trace and --metrics on"
    about = ("`benchmarks/fanout.py` as in the fan-out, ours only, with `--trace FILE --metrics --metricsWait 0`: "
             "a trace row per job attempt and Prometheus metrics served while it runs. Compared with the "
             "plain fan-out at the same N, it is what seeing a run costs.")
    sizes, quick_sizes = [10000], [50]

    def groups(self, ctx: Context) -> list[Group]:
        return [Group(n, (OURS,)) for n in (self.quick_sizes if ctx.quick else self.sizes)]

    def notes(self, ctx: Context) -> list[str]:
        return []

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        directory = run_dir(ctx, self.name, n, system, rep)
        command = script_command(ctx, system, self.script, os.path.join(directory, "jobstore"), n, "--clean=always",
                                 "--trace", os.path.join(directory, "trace.tsv"), "--metrics", "--metricsWait", "0")
        measurement = measure(ctx, system, command, directory)
        return finish(ctx, directory, script_outcome(directory, measurement, self.expected(n)))


WORKLOADS = [FanOut(), Chain(), Memory(), Watched()]
