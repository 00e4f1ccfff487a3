"""SIGKILL workers at random moments of their jobs' lives; the leader retries the jobs.

The leader runs undisturbed with ``--retryCount 2``; whenever a job starts (its effect line
appears), the test may pick it and, after a random delay (so the kill lands while the job
runs, writes its files or commits), SIGKILL the worker process running it. A job is picked
at most once, so it always has a retry left. The workflow must succeed with outputs
byte-identical to an undisturbed run's, no job committed before a kill may run after it,
and the store must be consistent. For the Python workflow (which reads its input through
the cache, ``--caching true``) every attempt's deferred function must have run, the killed
attempts' included.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos import harness
from tests.chaos.harness import FLAVOURS, RUNS, SEED, Baseline, Case, Kill

pytestmark = [pytest.mark.chaos, pytest.mark.integration, pytest.mark.slow]

KILLS_PER_RUN = 4


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def worker_of(pid: int, case: Case, leader: int) -> int | None:
    """The worker process at or above pid (the first that names the store); None if gone or the leader."""
    needle = os.fsencode(case.job_store)
    try:
        while pid > 1:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if needle in f.read():
                    return None if pid == leader else pid
            pid = parent_of(pid)
    except (OSError, ValueError, IndexError):
        return None
    return None


def kill_workers(case: Case, process, rng: random.Random, baseline: Baseline) -> int:  # type: ignore[no-untyped-def]
    """Watch the run; kill up to KILLS_PER_RUN workers; return how many were killed."""
    picked: set[str] = set()
    seen = 0
    # Spread the kills over the run: each start is picked with this chance.
    chance = min(1.0, 2.0 * KILLS_PER_RUN / len(baseline.labels))
    while process.poll() is None and len(case.kills) < KILLS_PER_RUN:
        lines = case.effect_lines()
        for label, job_id, pid in lines[seen:]:
            if job_id in picked or rng.random() > chance:
                continue
            time.sleep(rng.uniform(0.0, 0.08))
            worker = worker_of(pid, case, process.pid)
            if worker is None:
                continue  # the attempt already ended
            picked.add(job_id)
            os.kill(worker, signal.SIGKILL)
            committed = harness.committed_jobs(case.where)  # before counting lines: see test docstring
            case.kills.append(Kill(f"worker of {label}", committed, case.effect_count(), None))
            if len(case.kills) >= KILLS_PER_RUN:
                break
        seen = len(lines)
        time.sleep(0.005)
    return len(case.kills)


def check_deferred(case: Case) -> None:
    attempts = {(job_id, pid) for _, job_id, pid in case.effect_lines()}
    ran = set()
    for line in case.deferred.read_text().splitlines():
        job_id, pid = line.split()
        ran.add((job_id, int(pid)))
    assert attempts <= ran, f"deferred functions that never ran: {sorted(attempts - ran)}"


def campaign(name: str, cases: Iterator[Case], runs: int, baseline: Baseline, rng: random.Random) -> int:
    """Run cases killing workers, check each; return how many workers were killed."""
    total = 0
    for case in itertools.islice(cases, runs):
        process = case.launch()
        total += kill_workers(case, process, rng, baseline)
        status = case.finish(process)
        assert status == 0, f"[{name}] the run failed after worker kills:\n{case.log_tail()}"
        harness.check_outcome(case, baseline)
        if name == "python":
            check_deferred(case)
        case.discard()
    assert total >= runs, "too few kills landed"
    return total


@pytest.mark.parametrize("name", sorted(FLAVOURS))
def test_workers_killed_at_random_moments(name: str, tmp_path: Path, baselines: dict[str, Baseline]) -> None:
    rng = random.Random(f"{SEED}-worker-{name}")
    cases = (Case(FLAVOURS[name], tmp_path / f"run{run}", retry_count=2) for run in itertools.count())
    total = campaign(name, cases, RUNS, baselines[name], rng)
    print(f"\n[worker kills {name}] seed {SEED}: {total} workers killed in {RUNS} runs; outputs identical, "
          "no committed job re-ran")
