"""InlineBatchSystem, the test double: the batch-system contract, and running workers in this process.

The inline system runs one job at a time, to its end, inside getUpdatedBatchJob. Contract
tests that need a job to run beside the caller (in parallel with others, or while the caller
kills it, lists it or waits for it) cannot apply; each is replaced below by the test of what
the double does instead, and says why.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from tests.unit.batch.contract import BatchSystemContract, max_overlap, spec, timed
from toil.batch.inline import InlineBatchSystem
from toil.core import plugins
from toil.core.batchsystem import BatchJobExitReason, BatchSystemError, BatchSystemSettings
from toil.core.requirements import GIB


def settings(max_cores: float | None = 2, max_memory: int | None = 4 * GIB) -> BatchSystemSettings:
    return BatchSystemSettings(max_cores=max_cores, max_memory=max_memory, max_disk=None, work_dir="/nonexistent")


class TestInlineContract(BatchSystemContract):
    def make_batch_system(self, tmp_path: Path, max_cores: float = 2, max_memory: int = 4 * GIB) -> InlineBatchSystem:
        return InlineBatchSystem(settings(max_cores, max_memory))

    def test_jobs_run_in_parallel_up_to_the_core_limit(self, tmp_path: Path) -> None:
        """Not applicable: the inline system runs one job at a time, whatever the cores. Instead: it does."""
        system = self.batch_system(tmp_path, max_cores=2)
        ids = [system.issueBatchJob(spec(timed("sleep 0.05", tmp_path, index), cores=0.5)) for index in range(4)]
        updates = self.collect(system, 4)
        assert all(u.exitStatus == 0 for u in updates.values())
        assert max_overlap(tmp_path) == 1
        assert isinstance(system, InlineBatchSystem) and system.ran == ids  # in the order issued

    def test_fractional_cores_share_a_core(self, tmp_path: Path) -> None:
        """Not applicable, as above: no two jobs ever overlap (shown by the test before)."""
        self.test_jobs_run_in_parallel_up_to_the_core_limit(tmp_path)

    def test_kill_stops_a_running_job_and_its_children(self, tmp_path: Path) -> None:
        """Not applicable: a job runs only inside getUpdatedBatchJob, so the caller can never kill one running.

        Instead: a killed job never runs and is never reported, and the jobs queued beside it still run.
        """
        system = self.batch_system(tmp_path)
        doomed = system.issueBatchJob(spec(f"touch {tmp_path}/doomed"))
        kept = system.issueBatchJob(spec(f"touch {tmp_path}/kept"))
        system.killBatchJobs([doomed])
        assert self.collect(system, 1)[kept].exitStatus == 0
        assert system.getUpdatedBatchJob(0.1) is None
        assert (tmp_path / "kept").exists() and not (tmp_path / "doomed").exists()

    def test_issued_and_running_ids(self, tmp_path: Path) -> None:
        """Partly applicable: issued ids are listed until reported, but no job is running between calls."""
        system = self.batch_system(tmp_path, max_cores=1)
        first = system.issueBatchJob(spec("true"))
        second = system.issueBatchJob(spec("true"))
        assert first != second
        assert sorted(system.getIssuedBatchJobIDs()) == sorted([first, second])
        assert system.getRunningBatchJobIDs() == {}
        assert system.getUpdatedBatchJob(1).jobID == first  # type: ignore[union-attr]
        assert system.getIssuedBatchJobIDs() == [second]
        system.killBatchJobs([second])
        assert system.getIssuedBatchJobIDs() == []

    def test_get_updated_batch_job_waits_at_most_max_wait(self, tmp_path: Path) -> None:
        """Partly applicable: a job runs to its end once started. With nothing to run, maxWait bounds the wait."""
        system = self.batch_system(tmp_path)
        started = time.monotonic()
        assert system.getUpdatedBatchJob(0.5) is None
        assert 0.45 <= time.monotonic() - started < 3.0

    def test_shutdown_kills_what_runs(self, tmp_path: Path) -> None:
        """Not applicable: nothing runs when shutdown is called. Instead: queued jobs never run, nor new ones."""
        system = self.batch_system(tmp_path)
        system.issueBatchJob(spec(f"touch {tmp_path}/ran"))
        system.shutdown()
        assert system.getUpdatedBatchJob(0.1) is None
        assert not (tmp_path / "ran").exists()
        with pytest.raises(BatchSystemError, match="shut down"):
            system.issueBatchJob(spec("true"))
        system.shutdown()  # idempotent


def test_registered_by_name() -> None:
    assert plugins.batch_system_class("inline") is InlineBatchSystem


def test_in_process_commands_run_in_this_process() -> None:
    seen: list[tuple[int, list[str], str | None]] = []

    def command(argv: list[str]) -> int:
        seen.append((os.getpid(), argv, os.environ.get("INLINE_VALUE")))
        return int(argv[0])

    def crash(argv: list[str]) -> int:
        raise RuntimeError("deliberate")

    system = InlineBatchSystem(settings(), {"_mine": command, "_crash": crash})
    system.setEnv("INLINE_VALUE", "set")
    ok = system.issueBatchJob(spec("_mine 0 'two words'"))
    bad = system.issueBatchJob(spec("_mine 5"))
    crashed = system.issueBatchJob(spec("_crash"))
    updates = {u.jobID: u for u in (system.getUpdatedBatchJob(1) for _ in range(3)) if u is not None}
    assert seen == [(os.getpid(), ["0", "two words"], "set"), (os.getpid(), ["5"], "set")]
    assert (updates[ok].exitStatus, updates[ok].exitReason) == (0, BatchJobExitReason.FINISHED)
    assert (updates[bad].exitStatus, updates[bad].exitReason) == (5, BatchJobExitReason.FAILED)
    assert updates[crashed].exitStatus == 1
    assert "INLINE_VALUE" not in os.environ  # the job's variables are gone once it ended


def test_idle_hands_its_wait_to_the_injected_idle() -> None:
    waited: list[float] = []
    system = InlineBatchSystem(settings(), idle=waited.append)
    assert system.getUpdatedBatchJob(7.5) is None
    assert waited == [7.5]


def test_a_worker_command_for_a_missing_store_fails() -> None:
    system = InlineBatchSystem(settings())
    job = system.issueBatchJob(spec(f"_toil_worker name memory:missing-{uuid.uuid4().hex} job-id"))
    update = system.getUpdatedBatchJob(1)
    assert update is not None and (update.jobID, update.exitStatus) == (job, 1)
