"""Scale (issue 21): the four shapes real workflows have, at N = 10,000 and 100,000 (1,000,000 opt-in).

Ours only, one run per size: what is compared is CPU per job across sizes (flat cost per job),
and the leader's own peak memory.
"""

from __future__ import annotations

import os

from harness.common import OURS, Context, Outcome, finish, measure, run_dir
from harness.workloads import Group, Workload, wdl
from harness.workloads.python_api import script_command, script_outcome

SIZES, QUICK_SIZES, MILLION = [10000, 100000], [200, 2000], 1000000


def scale_sizes(ctx: Context) -> list[int]:
    if ctx.quick:
        return QUICK_SIZES
    return [*SIZES, MILLION] if ctx.scale_million else SIZES


class Shape(Workload):
    shape = ""
    per = "job"

    def groups(self, ctx: Context) -> list[Group]:
        return [Group(n, (OURS,)) for n in scale_sizes(ctx)]

    def reps(self, ctx: Context, requested: int) -> int:
        return 1

    def expected(self, n: int) -> int:
        if self.shape == "fanout":
            return n * (n - 1) // 2
        if self.shape == "chain":
            return n
        width = max(1, (n + 2) // 3)
        return width * (width - 1) // 2

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        directory = run_dir(ctx, self.name, n, system, rep)
        command = script_command(ctx, system, "scale.py", os.path.join(directory, "jobstore"), n,
                                 "--shape", self.shape, "--clean=always")
        measurement = measure(ctx, system, command, directory)
        return finish(ctx, directory, script_outcome(directory, measurement, self.expected(n)))


class FanOut(Shape):
    name, shape = "scale-fanout", "fanout"
    title = "Scale: fan-out of N jobs, a follow-on gathering N promises"
    about = ("`benchmarks/scale.py JOBSTORE --shape fanout --jobs N --clean=always`: one parent adds N children "
             "and a follow-on summing their N promises. Ours only, once per size; `leader` is the leader's "
             "own peak resident set. `--scale-million` adds N = 1,000,000.")


class Chain(Shape):
    name, shape = "scale-chain", "chain"
    title = "Scale: a chain of N jobs"
    about = "`benchmarks/scale.py ... --shape chain`: N jobs, each the only child of the one before."


class Tree(Shape):
    name, shape = "scale-tree", "tree"
    title = "Scale: a balanced tree of about N jobs (merge-sort style)"
    about = ("`benchmarks/scale.py ... --shape tree`: each inner job splits its range between two children and "
             "a follow-on sums their promises; leaves return their index (3 jobs per leaf).")


class Scatter(wdl.Scatter):
    name = "scale-wdl-scatter"
    title = "Scale: WDL scatter of `echo ~{i}` over range(N) (no container)"
    about = "The `wdl-scatter` workflow at scale, ours only (`--container none`), once per size."

    def groups(self, ctx: Context) -> list[Group]:
        return [Group(n, (OURS,)) for n in scale_sizes(ctx)]

    def notes(self, ctx: Context) -> list[str]:
        return []

    def reps(self, ctx: Context, requested: int) -> int:
        return 1


WORKLOADS = [FanOut(), Chain(), Tree(), Scatter()]
