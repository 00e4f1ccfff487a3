"""Many jobs in one submission: how packs are cut and sized, what each job is reported as, and the runner."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toil.batch.packs import DEFAULT_JOBS_PER_PACK, member_outcome, pack_script, slots_for, split_sizes
from toil.batch.slurm import SlurmOptions
from toil.core.batchsystem import BatchJobExitReason, BatchSystemError
from toil.core.requirements import Requirements


def test_jobs_are_split_into_near_equal_packs_of_at_most_the_limit() -> None:
    assert split_sizes(200, 64) == [25] * 8
    assert len(split_sizes(2000, 64)) == 32 and sum(split_sizes(2000, 64)) == 2000
    assert max(split_sizes(2000, 64)) <= 64
    assert split_sizes(3, 64) == [1, 1, 1]  # a few jobs still spread over the nodes
    assert split_sizes(10, 1) == [1] * 10


def test_a_pack_holds_as_many_jobs_at_once_as_the_tightest_limit_allows() -> None:
    req = Requirements(cores=0.5, memory=200, disk=1)
    assert slots_for(req, 40, [(4, 0.5), (1000, 200)]) == 5
    assert slots_for(req, 3, [(None, 0.5), (1000, 200)]) == 3
    assert slots_for(req, 40, [(0.1, 0.5)]) == 1  # never fewer than one


def test_each_job_of_a_pack_gets_its_own_outcome() -> None:
    assert member_outcome((0, 2.0), BatchJobExitReason.KILLED, -15) == (0, BatchJobExitReason.FINISHED, 2.0)
    assert member_outcome((3, 1.0), None, 0) == (3, BatchJobExitReason.FAILED, 1.0)
    assert member_outcome((-9, 1.0), BatchJobExitReason.MEMLIMIT, 9)[1] is BatchJobExitReason.MEMLIMIT
    assert member_outcome(None, BatchJobExitReason.KILLED, -15) == (-15, BatchJobExitReason.KILLED, None)
    assert member_outcome(None, BatchJobExitReason.LOST, 0)[1] is BatchJobExitReason.LOST
    assert member_outcome(None, None, 0)[1] is BatchJobExitReason.LOST  # the runner never ran it


def run_pack(tmp_path: Path, jobs: list[dict[str, object]], slots: int) -> subprocess.Popen[str]:
    document = {"store": None, "key": str(tmp_path / "outcomes.json"), "slots": slots, "jobs": jobs}
    script = tmp_path / "pack.sh"
    script.write_text(pack_script(sys.executable, {"COMMON": "common"}, document))
    return subprocess.Popen(["/bin/sh", str(script)], text=True)


def test_the_runner_records_every_job_with_its_environment(tmp_path: Path) -> None:
    jobs: list[dict[str, object]] = [
        {"id": 1, "command": f"echo $COMMON $OWN > {tmp_path}/one", "env": {"OWN": "first"}},
        {"id": 2, "command": "exit 3", "env": {}},
        {"id": 3, "command": "kill -9 $$", "env": {}},
        {"id": 4, "command": f"echo \"it's\" > {tmp_path}/four", "env": {}},
    ]
    assert run_pack(tmp_path, jobs, slots=2).wait(60) == 0
    outcomes = json.loads((tmp_path / "outcomes.json").read_text())
    assert {k: v[0] for k, v in outcomes.items()} == {"1": 0, "2": 3, "3": -9, "4": 0}
    assert (tmp_path / "one").read_text() == "common first\n"
    assert (tmp_path / "four").read_text() == "it's\n"


def test_a_cancelled_pack_records_only_the_jobs_that_had_finished(tmp_path: Path) -> None:
    jobs: list[dict[str, object]] = [
        {"id": 1, "command": "true", "env": {}},
        {"id": 2, "command": f"touch {tmp_path}/started; sleep 60", "env": {}},
        {"id": 3, "command": "true", "env": {}},
    ]
    runner = run_pack(tmp_path, jobs, slots=1)
    deadline = time.monotonic() + 30
    while not (tmp_path / "started").exists():
        assert time.monotonic() < deadline, "the second job never started"
        time.sleep(0.05)
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(30) != 0
    outcomes = json.loads((tmp_path / "outcomes.json").read_text())
    assert list(outcomes) == ["1"]  # 2 was stopped and 3 never ran: the leader reports or reruns them


def test_slurm_batch_jobs_option(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SlurmOptions.from_options(argparse.Namespace()).batch_jobs == DEFAULT_JOBS_PER_PACK
    assert SlurmOptions.from_options(argparse.Namespace(slurmBatchJobs=1)).batch_jobs == 1  # the opt-out
    monkeypatch.setenv("TOIL_SLURM_BATCH_JOBS", "many")
    with pytest.raises(BatchSystemError, match="whole number"):
        SlurmOptions.from_options(argparse.Namespace())
