"""The leader- and worker-kill campaigns on the S3 job store (``aws:us-east-1:NAME``).

The same campaigns as test_leader_kills and test_worker_kills, with the same checks
(outputs byte-identical to an undisturbed run on S3, no committed job re-run, a consistent
store by ``check_store``), run against the real S3 server of tests/s3 (SeaweedFS, whose
session fixture this module uses). Smaller than the file: campaigns, since S3 runs are
slower: TOIL_CHAOS_RUNS + 1 leader-kill runs (one per moment at the default of 2) for
CWL and WDL, one more for the Python workflow, and TOIL_CHAOS_RUNS worker-kill runs of
the Python workflow. Each store's bucket is deleted once its run is checked. Last,
``toil check-store`` on an S3 store: consistent after a leader kill, damaged with a torn record.
"""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos import harness
from tests.chaos import test_leader_kills as leader_kills
from tests.chaos import test_worker_kills as worker_kills
from tests.chaos.harness import FLAVOURS, RUNS, SEED, Baseline, Case
from tests.s3.conftest import s3_server, store_name  # noqa: F401  (s3_server: the S3 server, autouse)

pytestmark = [pytest.mark.chaos, pytest.mark.integration, pytest.mark.slow]

#: leader-kill runs per workflow
LEADER_RUNS = {"python": len(leader_kills.MOMENTS) + RUNS - 1, "cwl": RUNS + 1, "wdl": RUNS + 1}


def s3_cases(name: str, directory: Path, retry_count: int = 1) -> Iterator[Case]:
    for run in itertools.count():
        place = directory / f"run{run}"
        yield Case(FLAVOURS[name], place, retry_count=retry_count, locator=f"aws:us-east-1:{store_name(place)}")


@pytest.fixture(scope="module")
def s3_baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Baseline]:
    """Undisturbed runs of each workflow on S3 (outputs, labels and phase durations)."""
    found = {}
    for name in sorted(LEADER_RUNS):
        place = tmp_path_factory.mktemp(f"s3-baseline-{name}")
        found[name] = harness.run_baseline(FLAVOURS[name], place, f"aws:us-east-1:{store_name(place)}")
    return found


@pytest.mark.parametrize("name", sorted(LEADER_RUNS))
def test_s3_leader_killed_at_random_moments(name: str, tmp_path: Path, s3_baselines: dict[str, Baseline]) -> None:
    rng = random.Random(f"{SEED}-s3-leader-{name}")
    summary = leader_kills.campaign(name, s3_cases(name, tmp_path), LEADER_RUNS[name], s3_baselines[name], rng)
    print(f"\n[S3 leader kills {name}] seed {SEED}: {summary}")


def test_s3_workers_killed_at_random_moments(tmp_path: Path, s3_baselines: dict[str, Baseline]) -> None:
    rng = random.Random(f"{SEED}-s3-worker-python")
    total = worker_kills.campaign("python", s3_cases("python", tmp_path, retry_count=2), RUNS,
                                  s3_baselines["python"], rng)
    print(f"\n[S3 worker kills python] seed {SEED}: {total} workers killed in {RUNS} runs; outputs identical, "
          "no committed job re-ran")


def check_store_command(case: Case) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "toil.cli.main", "check-store", case.job_store], env=harness.env(),
                          capture_output=True, text=True, timeout=60, check=False)


def test_check_store_command_on_s3(tmp_path: Path, s3_baselines: dict[str, Baseline]) -> None:
    """``toil check-store aws:...`` after a leader kill: consistent; with a torn job record: damaged (exit 1)."""
    case = next(s3_cases("python", tmp_path))
    baseline = s3_baselines["python"]
    process = case.launch()
    harness.wait_until(case, process, lambda: case.effect_count() >= len(baseline.labels) // 2)
    assert harness.kill_leader(case, process, "running"), "the run ended before its kill"
    found = check_store_command(case)
    assert found.returncode == 0 and "is consistent" in found.stdout, found.stdout + found.stderr
    store = harness.open_store(case.job_store)
    job_id = sorted(store.keys("jobs"))[0]
    record = store.get("jobs", job_id)
    store.put("jobs", job_id, record[: len(record) // 2])
    found = check_store_command(case)
    assert found.returncode == 1 and "torn or unreadable" in found.stdout and "Traceback" not in found.stderr, \
        found.stdout + found.stderr
    store.put("jobs", job_id, record)
    harness.restart_until_done(case)
    harness.check_outcome(case, baseline)
    case.discard()
