"""SIGKILL the leader at random moments, then ``--restart`` until the workflow is done.

For each workflow (Python API, CWL, WDL) and each moment (start-up: anywhere from launch to
the first job; running: after a random number of jobs started, plus 0-50 ms, so that the
kill lands while jobs are issued, run or commit; export: after the last job started, while
the outputs are collected and written), a run is killed once; half the time its first
restart is killed too. Every run must end with outputs byte-identical to an undisturbed
run's, no committed job run again and a consistent store. ``TOIL_CHAOS_RUNS=N`` repeats
the campaign N times; ``TOIL_CHAOS_SEED`` repeats a campaign exactly.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos import harness
from tests.chaos.harness import FLAVOURS, RUNS, SEED, Baseline, Case

pytestmark = [pytest.mark.chaos, pytest.mark.integration, pytest.mark.slow]

MOMENTS = ("startup", "running", "export")


def kill_at(case: Case, process: subprocess.Popen[bytes], moment: str, baseline: Baseline,
            rng: random.Random) -> bool:
    """Kill the leader at the moment; return whether it was still running then."""
    if moment == "startup":
        deadline = time.monotonic() + rng.uniform(0.0, baseline.startup * 1.1)
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.002)
    elif moment == "running":
        done = {label for label, _, _ in case.effect_lines()}
        target = case.effect_count() + rng.randint(1, max(1, len(baseline.labels) - len(done)))
        harness.wait_until(case, process, lambda: case.effect_count() >= target)
        time.sleep(rng.uniform(0.0, 0.05))
    else:
        harness.wait_until(case, process, lambda: {label for label, _, _ in case.effect_lines()}
                           >= set(baseline.labels))
        time.sleep(rng.uniform(0.0, baseline.export * 0.9))
    return harness.kill_leader(case, process, moment)


def campaign(name: str, cases: Iterator[Case], runs: int, baseline: Baseline, rng: random.Random) -> str:
    """Kill, restart and check runs cases (cycling through MOMENTS); return a summary line."""
    missed = 0
    done = []
    for run, case in enumerate(itertools.islice(cases, runs)):
        moment = MOMENTS[run % len(MOMENTS)]
        missed += not kill_at(case, case.launch(), moment, baseline, rng)
        if case.root_written() and rng.random() < 0.5:
            missed += not kill_at(case, case.launch(restart=True), "running", baseline, rng)
        harness.restart_until_done(case)
        harness.check_outcome(case, baseline)
        case.discard()
        done.append(case)
    kills = [kill.moment for case in done for kill in case.kills]
    assert kills, "no kill landed"
    return (f"{len(kills)} kills ({', '.join(kills)}), {missed} runs ended before their kill; outputs identical "
            f"and no committed job re-ran in all {len(done)} runs")


@pytest.mark.parametrize("name", sorted(FLAVOURS))
def test_leader_killed_at_random_moments(name: str, tmp_path: Path, baselines: dict[str, Baseline]) -> None:
    rng = random.Random(f"{SEED}-leader-{name}")
    cases = (Case(FLAVOURS[name], tmp_path / f"run{run}") for run in itertools.count())
    summary = campaign(name, cases, RUNS * len(MOMENTS), baselines[name], rng)
    print(f"\n[leader kills {name}] seed {SEED}: {summary}")
