"""Workflows and failure cases on the real single-node Grid Engine (tests/services/sge.sh)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cluster.support import SCRIPTS, run_workflow, wait_for
from tests.cluster.test_grid_engine_contract import make_grid_engine
from tests.unit.batch.contract import spec
from toil.core.batchsystem import BatchJobExitReason

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("sge_cluster")]


def qstat_jobs() -> list[str]:
    done = subprocess.run(["qstat"], capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines()[2:] if line.strip()]


def test_python_workflow_runs_on_grid_engine(tmp_path: Path) -> None:
    # h_vmem limits virtual memory, which a Python worker has far more of than resident memory
    done = run_workflow(tmp_path, SCRIPTS / "fanout.py", "--jobs", "20", "--jobMemory", "1G",
                        "--batchSystem", "gridEngine")
    assert done.stdout.strip().splitlines()[-1] == "190"
    assert qstat_jobs() == []


def test_qdel_behind_our_back_is_reported_as_killed(tmp_path: Path) -> None:
    system = make_grid_engine(tmp_path)
    try:
        job = system.issueBatchJob(spec(f"echo $JOB_ID > {tmp_path}/id; sleep 100"))
        sge_id = wait_for(lambda: (tmp_path / "id").exists() and (tmp_path / "id").read_text().strip(), 60, "start")
        subprocess.run(["qdel", sge_id], check=True, capture_output=True)
        update = wait_for(lambda: system.getUpdatedBatchJob(1.0), 90, "the deleted job to be reported")
        assert (update.jobID, update.exitReason) == (job, BatchJobExitReason.KILLED)
        assert update.exitStatus != 0
    finally:
        system.shutdown()
