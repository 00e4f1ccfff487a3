"""Toil's retry options on the real state and leader: --retryBackoffSeconds/--retryBackoffFactor, --doubleMem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.core.leader_harness import FakeClock, start_store
from tests.unit.core.test_state import Graph, record
from toil.batch.inline import InlineBatchSystem
from toil.core.batchsystem import BatchJobExitReason, BatchSystemSettings, UpdatedBatchJobInfo
from toil.core.events import JobFailed, Start, Tick
from toil.core.job import Job
from toil.core.leader import Leader
from toil.core.options import Config, default_argument_parser
from toil.core.requirements import human2bytes
from toil.core.state import IssueJob, SchedulingState, WakeAt, backoff_delay


def test_toils_default_back_off_is_two_seconds_tripling() -> None:
    assert [backoff_delay(n) for n in (1, 2, 3, 4)] == [2.0, 6.0, 18.0, 54.0]


def test_retries_wait_seconds_times_factor_to_the_attempt() -> None:
    graph = Graph(phases={"a": [[], []]})
    state = SchedulingState(retry_count=3, backoff=(1.0, 2.0))
    state.handle(Start("a", [record(graph, "a", {"a": 0})]))
    now = 100.0
    for wait in (1.0, 2.0, 4.0):
        assert state.handle(JobFailed("a", now=now)) == [WakeAt(now + wait)]
        assert state.handle(Tick(now + wait)) == [IssueJob("a")]
        now += 10


def test_back_off_options_reach_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    parser = default_argument_parser()
    config = Config.from_options(parser.parse_args(["store"]))
    assert config.retry_backoff == (2.0, 3.0) and not config.double_memory and not config.stop_on_failure
    config = Config.from_options(parser.parse_args(["store", "--retryBackoffSeconds", "0", "--retryBackoffFactor",
                                                    "1.5", "--doubleMem", "--stopOnFirstFailure=yes"]))
    assert config.retry_backoff == (0.0, 1.5) and config.double_memory and config.stop_on_failure


class MemoryKillingBatch(InlineBatchSystem):
    """The inline batch system, killing for memory (as Slurm reports OUT_OF_MEMORY) a job given less than it uses."""

    uses = human2bytes("40M")

    def _run(self, job: Any) -> UpdatedBatchJobInfo | None:
        if job.spec.requirements.memory < self.uses:
            self.ran.append(job.batch_id)
            return UpdatedBatchJobInfo(job.batch_id, 137, BatchJobExitReason.MEMLIMIT, 0.0, None)
        return super()._run(job)


def hungry() -> str:
    return "fed"


@pytest.mark.parametrize("double_memory", [True, False])
def test_double_mem_retries_a_job_killed_for_memory_with_twice_the_memory(tmp_path: Path,
                                                                          double_memory: bool) -> None:
    root = Job.wrapFn(hungry, cores=0.1, memory="10M", disk="1M")
    store, settings = start_store(tmp_path, root)
    clock = FakeClock()
    batch = MemoryKillingBatch(BatchSystemSettings(max_cores=None, max_memory=None, max_disk=None,
                                                   work_dir=settings.work_dir, job_store=store.locator),
                               idle=clock.advance, clock=clock)
    leader = Leader(store, settings, batch, store.locator, retry_count=2, clock=clock, double_memory=double_memory)
    try:
        result = leader.run(root.jobStoreID)
    finally:
        batch.shutdown()
    asked = [batch.specs[batch_id].requirements.memory // human2bytes("10M") for batch_id in batch.ran]
    assert result.success is double_memory
    assert asked == ([1, 2, 4] if double_memory else [1, 1, 1])
