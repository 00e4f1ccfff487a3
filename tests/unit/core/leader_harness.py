"""Run a workflow through the real Leader on the test doubles: no fork, no disk, no real time.

The job store is ``memory:`` (toil.stores.memory) and the batch system ``inline``
(toil.batch.inline): every worker runs in this process, inside the leader's
``getUpdatedBatchJob``. A fake clock is injected into both; when the leader would wait (a
retry's back-off), the idle batch system advances it instead of sleeping.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toil.batch.inline import InlineBatchSystem
from toil.core import payload, serialize
from toil.core.batchsystem import BatchSystemSettings
from toil.core.description import JobDescription
from toil.core.graph import collect_new_jobs, write_new_jobs
from toil.core.job import Job
from toil.core.leader import Leader, LeaderResult, ServiceLimits
from toil.core.records import RecordWriter
from toil.core.settings import ROOT_KEY, WorkflowSettings, save_settings
from toil.core.state import Validation
from toil.core.trace import TraceWriter
from toil.core.watch import RunWatch
from toil.core.worker import read_record
from toil.stores.memory import MemoryJobStore


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Run:
    """A workflow run to its end: what the leader said, and the doubles it ran on."""

    result: LeaderResult
    leader: Leader
    store: MemoryJobStore
    batch: InlineBatchSystem
    clock: FakeClock
    root_id: str
    work_dir: Path
    issued: list[str] = field(default_factory=list)  # job ids handed to the batch system, in order

    def value(self) -> Any:
        """The root job's return value."""
        reader = serialize.ResultReader(lambda job_id: payload.read_result(self.store, job_id))
        return serialize.loads(payload.read_result(self.store, self.root_id), reader)

    def record(self, job: Job) -> JobDescription:
        return read_record(self.store, job.jobStoreID)

    def failure_reasons(self) -> dict[str, str]:
        return {failed.job_id: failed.reason for failed in self.result.failed}


def start_store(tmp_path: Path, root: Job, disable_chaining: bool = False) -> tuple[MemoryJobStore, WorkflowSettings]:
    """A fresh memory store holding root's graph and settings, as Toil.start writes them."""
    name = f"leader-test-{uuid.uuid4().hex}"
    store = MemoryJobStore(f"memory:{name}", name)
    store.create()
    # Jobs that ask for no scratch space never create this directory: the tests check it stays absent.
    settings = WorkflowSettings(workflow_id=uuid.uuid4().hex[:16], work_dir=str(tmp_path / "never-made"),
                                disable_chaining=disable_chaining)
    save_settings(store, settings)
    write_new_jobs(store, collect_new_jobs([root]), settings.defaults, known=lambda job_id: False)
    store.put("shared", ROOT_KEY, root.jobStoreID.encode())
    return store, settings


def run_workflow(
    tmp_path: Path,
    root: Job,
    *,
    retry_count: int = 1,
    stop_on_failure: bool = False,
    disable_chaining: bool = False,
    validation: Validation = Validation.EVERY_EVENT,
    real_time: bool = False,
    trace: TraceWriter | None = None,
    watch: RunWatch | None = None,
    records: RecordWriter | None = None,
    store_and_settings: tuple[MemoryJobStore, WorkflowSettings] | None = None,
) -> Run:
    """Run root's workflow on the doubles; the state validates its invariants after every event."""
    store, settings = store_and_settings or start_store(tmp_path, root, disable_chaining)
    clock = FakeClock()
    batch_settings = BatchSystemSettings(max_cores=None, max_memory=None, max_disk=None, work_dir=settings.work_dir,
                                         job_store=store.locator)
    if real_time:  # services run in threads and poll on real time
        batch = InlineBatchSystem(batch_settings)
        leader = Leader(store, settings, batch, store.locator, retry_count, stop_on_failure=stop_on_failure,
                        validation=validation, services=ServiceLimits(deadlock_wait=30.0, check_interval=1.0),
                        watch=watch)
    else:
        batch = InlineBatchSystem(batch_settings, idle=clock.advance, clock=clock)
        leader = Leader(store, settings, batch, store.locator, retry_count, clock=clock,
                        stop_on_failure=stop_on_failure, validation=validation, trace=trace, watch=watch,
                        records=records)
    try:
        result = leader.run(root.jobStoreID)
    finally:
        batch.shutdown()
    issued = [batch.specs[batch_id].job_id for batch_id in batch.ran]
    return Run(result, leader, store, batch, clock, root.jobStoreID, tmp_path / "never-made", issued)
