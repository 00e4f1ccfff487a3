"""check_store finds torn, dangling and miscounted records; collect_garbage removes unreachable ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toil.core import check
from toil.core.graph import collect_new_jobs, write_new_jobs
from toil.core.job import Job
from toil.core.requirements import Requirements
from toil.core.settings import WorkflowSettings, save_settings
from toil.stores.file import FileJobStore


def noop(job: Job) -> None:
    return None


@pytest.fixture
def store(tmp_path: Path) -> tuple[FileJobStore, Job, Job]:
    store = FileJobStore(f"file:{tmp_path}", str(tmp_path / "store"))
    store.create()
    save_settings(store, WorkflowSettings(workflow_id="check"))
    root = Job.wrapJobFn(noop)
    child = root.addChildJobFn(noop)
    write_new_jobs(store, collect_new_jobs([root]), Requirements(), known=lambda job_id: False)
    store.put("shared", "root", root._toil_id.encode())
    return store, root, child


def test_a_fresh_store_is_consistent(store: tuple[FileJobStore, Job, Job]) -> None:
    report = check.check_store(store[0])
    assert report.started and report.records == report.reachable == 2
    assert report.errors == [] and report.unreachable == {}


def test_a_never_started_store_is_consistent(tmp_path: Path) -> None:
    empty = FileJobStore("file:x", str(tmp_path / "empty"))
    empty.create()
    report = check.check_store(empty)
    assert not report.started and report.errors == []


def test_a_torn_record_is_an_error(store: tuple[FileJobStore, Job, Job]) -> None:
    jobs, root, child = store
    raw = jobs.get("jobs", child._toil_id)
    jobs.put("jobs", child._toil_id, raw[: len(raw) // 2])
    errors = check.check_store(jobs).errors
    assert any("torn" in e and child._toil_id in e for e in errors), errors
    assert any("dangling" in e for e in errors), errors


def test_a_missing_body_and_a_wrong_count_are_errors(store: tuple[FileJobStore, Job, Job]) -> None:
    jobs, root, child = store
    data = json.loads(jobs.get("jobs", child._toil_id))
    del data["bd"]  # a small body travels in the record
    data["preds"] = 2
    jobs.put("jobs", child._toil_id, json.dumps(data).encode())
    errors = check.check_store(jobs).errors
    assert any("has no body" in e for e in errors), errors
    assert any("counts 2 predecessors but 1" in e for e in errors), errors


def test_unreachable_records_are_reported_apart_and_collected(store: tuple[FileJobStore, Job, Job]) -> None:
    jobs, root, child = store
    stray = Job.wrapJobFn(noop)  # as a worker killed before its commit leaves them
    write_new_jobs(jobs, collect_new_jobs([stray]), Requirements(), known=lambda job_id: False)
    report = check.check_store(jobs)
    assert report.errors == []
    assert report.unreachable == {"jobs": [stray._toil_id]}
    assert check.collect_garbage(jobs, [root._toil_id, child._toil_id]) == 1
    assert check.check_store(jobs).unreachable == {}


def test_the_check_store_command(store: tuple[FileJobStore, Job, Job], capsys: pytest.CaptureFixture[str]) -> None:
    from toil.cli.main import main

    jobs, root, child = store
    assert main(["check-store", jobs.path]) == 0
    assert "is consistent" in capsys.readouterr().out
    jobs.delete("jobs", child._toil_id)
    assert main(["check-store", jobs.path]) == 1
    out = capsys.readouterr().out
    assert "dangling" in out and "is damaged" in out


def test_status_counts_only_the_jobs_of_the_workflow(store: tuple[FileJobStore, Job, Job]) -> None:
    """A killed worker's uncommitted new jobs are no jobs of the workflow for toil status."""
    from toil.cli.status import inspect

    jobs, root, child = store
    stray = Job.wrapJobFn(noop)
    write_new_jobs(jobs, collect_new_jobs([stray]), Requirements(), known=lambda job_id: False)
    report = inspect(jobs)
    assert set(report.records) == {root._toil_id, child._toil_id}
    assert report.pending == 2
