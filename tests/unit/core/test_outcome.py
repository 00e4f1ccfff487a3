"""A worker's outcome: what it committed, what it created, and why it failed, as typed data."""

from __future__ import annotations

from pathlib import Path

import pytest

from toil.core import worker
from toil.core.description import RecordError
from toil.core.graph import collect_new_jobs, write_new_jobs
from toil.core.job import Job, PermanentJobFailure
from toil.core.outcome import OUTCOME_PREFIX, JobError, JobOutcome
from toil.core.requirements import Requirements
from toil.core.settings import WorkflowSettings, save_settings
from toil.stores.file import FileJobStore


class ToolRefused(PermanentJobFailure):
    """A front-end's own permanent failure."""


def parent(job: Job, how: str) -> str:
    child = job.addChildJobFn(leaf, how)  # a sole successor: the worker chains into it
    return child.rv()


def leaf(job: Job, how: str) -> str:
    if how == "permanent":
        raise ToolRefused("the tool said no")
    if how == "fail":
        raise ValueError("leaf broke")
    return "leaf"


def local_root(job: Job) -> None:
    for _ in range(3):
        job.addChildJobFn(leaf, "ok", local=True)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[FileJobStore, WorkflowSettings]:
    store = FileJobStore(f"file:{tmp_path}", str(tmp_path / "store"))
    store.create()
    settings = WorkflowSettings(workflow_id="outcome", work_dir=str(tmp_path))
    save_settings(store, settings)
    return store, settings


def _start(store: FileJobStore, job: Job) -> str:
    write_new_jobs(store, collect_new_jobs([job]), Requirements(), known=lambda job_id: False)
    return job._toil_id


def test_a_chain_reports_what_it_committed_and_created(setup: tuple[FileJobStore, WorkflowSettings]) -> None:
    store, settings = setup
    root = _start(store, Job.wrapJobFn(parent, "ok"))
    outcome = worker.run_chain(store, settings, root)
    assert outcome.ok and outcome.issued == root
    assert [r.job_id for r in outcome.committed][0] == root and len(outcome.committed) == 2  # chained
    assert all(r.ran for r in outcome.committed)
    assert [r.job_id for r in outcome.created] == [outcome.committed[1].job_id]
    assert [a.job_id for a in outcome.attempts] == [r.job_id for r in outcome.committed]
    assert all(a.ok and a.end >= a.start and a.cpu >= 0 and a.host for a in outcome.attempts)
    again = JobOutcome.from_json(outcome.to_json())
    assert [r.job_id for r in again.committed] == [r.job_id for r in outcome.committed]
    assert again.committed[1].ran and not again.committed[1].inline_result, "a value does not travel to the leader"


@pytest.mark.parametrize("how, permanent", [("fail", False), ("permanent", True)])
def test_a_failure_in_a_chain_names_the_job_and_its_error(
    setup: tuple[FileJobStore, WorkflowSettings], how: str, permanent: bool
) -> None:
    store, settings = setup
    root = _start(store, Job.wrapJobFn(parent, how))
    outcome = JobOutcome.from_json(worker.run_chain(store, settings, root).to_json())
    assert [r.job_id for r in outcome.committed] == [root]
    assert outcome.failure is not None and outcome.failure.job_id == outcome.created[0].job_id
    assert outcome.failure.permanent is permanent
    assert outcome.failure.raised(PermanentJobFailure) is permanent
    assert outcome.failure.raised(ToolRefused) is permanent and outcome.failure.raised(Exception)
    assert outcome.failure.reason == ("ToolRefused: the tool said no" if permanent else "ValueError: leaf broke")
    assert [a.ok for a in outcome.attempts] == [True, False]


def test_a_worker_without_a_channel_leaves_its_outcome_in_the_store(
    setup: tuple[FileJobStore, WorkflowSettings],
) -> None:
    store, settings = setup
    root = _start(store, Job.wrapJobFn(parent, "fail"))
    outcome = worker.run_chain(store, settings, root)
    worker.deliver(store, outcome)
    stored = JobOutcome.from_json(store.get("logs", OUTCOME_PREFIX + root))
    assert stored.failure == outcome.failure
    sent: list[bytes] = []
    worker.send_outcomes_to(sent.append)
    try:
        worker.deliver(store, outcome)
    finally:
        worker.send_outcomes_to(None)
    assert JobOutcome.from_json(sent[0]).failure == outcome.failure


def test_local_jobs_keep_their_bodies_for_the_leader(setup: tuple[FileJobStore, WorkflowSettings]) -> None:
    store, settings = setup
    root = _start(store, Job.wrapJobFn(local_root))
    outcome = JobOutcome.from_json(worker.run_chain(store, settings, root).to_json())
    assert len(outcome.created) == 3 and all(r.local and r.inline_body for r in outcome.created)
    assert not outcome.committed[0].inline_body, "the leader needs no body of a job that ran"


def test_run_job_leaves_the_callers_record_as_it_was(setup: tuple[FileJobStore, WorkflowSettings]) -> None:
    store, settings = setup
    record = worker.read_record(store, _start(store, Job.wrapJobFn(parent, "ok")))
    commit = worker.run_job(store, settings, record)
    assert commit.record.ran and not record.ran and record.successors == []
    assert [r.job_id for r in commit.created] == commit.record.successors


def test_a_damaged_outcome_is_a_record_error() -> None:
    with pytest.raises(RecordError):
        JobOutcome.from_json(b'{"v": 1, "issued": "x"}')
    with pytest.raises(RecordError):
        JobOutcome.from_json(b"\x00garbage")


def test_job_errors_know_their_kinds_by_name() -> None:
    error = JobError.of("j", ToolRefused("no"), permanent=True)
    assert error.kinds[0].endswith("test_outcome.ToolRefused") and error.raised_named("PermanentJobFailure")
    assert not error.raised(KeyError) and not error.raised_named("KeyError")
