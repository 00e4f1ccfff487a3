"""The whole CWL v1.2 conformance suite, ours against cwltool at the same concurrency (opt-in)."""

from __future__ import annotations

import json
import os
import sys

from harness.common import OURS, Context, Outcome, finish, measure, run_dir
from harness.workloads import Group, Workload

QUICK_TESTS, QUICK_COUNT = "1-6", 6


def passes(results: str) -> tuple[int, int]:
    try:
        with open(results) as f:
            outcomes = json.load(f)
    except (OSError, ValueError):
        return 0, 0
    return sum(o.get("status") == "pass" for o in outcomes), len(outcomes)


class Conformance(Workload):
    name = "cwl-conformance"
    title = "CWL v1.2 conformance suite, ours against cwltool at the same concurrency"
    about = ("`python -m conformance.cwl.run --runner RUNNER -j J --no-baseline` (this project's harness, "
             "which drives cwltest) over the whole suite in `../shared/conformance/cwl-v1.2`, with "
             "`--no-container`. The same harness process runs both; only the runner differs. N is the number "
             "of tests (`all`: the whole suite); `output` is how many passed. Opt-in: `make bench-conformance`.")
    per = "test"
    default = False

    def groups(self, ctx: Context) -> list[Group]:
        return [Group(QUICK_COUNT if ctx.quick else 0, (OURS, "cwltool"))]  # 0: the whole suite

    def reps(self, ctx: Context, requested: int) -> int:
        return 1

    def notes(self, ctx: Context) -> list[str]:
        return [f"Both at -j {ctx.conformance_jobs} (tests at once), one run each (the suite is long)."
                + (f" Quick mode runs tests {QUICK_TESTS} only." if ctx.quick else "")]

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        directory = run_dir(ctx, self.name, n, system, rep)
        runner = ctx.env(system).tool("toil-cwl-runner" if system == OURS else "cwltool")
        results = os.path.join(directory, "results")
        command = [sys.executable, "-m", "conformance.cwl.run", "--runner", runner, "-j", str(ctx.conformance_jobs),
                   "--no-baseline", "--results-dir", results, "--name", system]
        if ctx.quick:
            command += ["-n", QUICK_TESTS]
        measurement = measure(ctx, system, command, directory, cwd=ctx.repo)
        passed, total = passes(os.path.join(results, f"{system}.json"))
        outcome = Outcome(measurement, total > 0, f"{passed} of {total} passed")
        outcome.extra.update(passed=passed, tests=total)
        return finish(ctx, directory, outcome)


WORKLOADS = [Conformance()]
