"""A job whose commit fails (a full disk) leaves nothing behind and can be retried.

Regression tests for faults the chaos campaigns (tests/chaos) look for. The store is a real
file job store whose ``put`` of one chosen record raises ENOSPC, as a full disk would.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from toil.core import check, worker
from toil.core.graph import collect_new_jobs, write_new_jobs
from toil.core.job import Job
from toil.core.jobstore import Namespace
from toil.core.requirements import Requirements
from toil.core.settings import WorkflowSettings, save_settings
from toil.stores.file import FileJobStore


class FullDiskStore(FileJobStore):
    """A real file store on which writing the record ``fail_key`` finds the disk full."""

    fail_key = ""

    def put(self, namespace: Namespace, key: str, data: bytes) -> None:
        if namespace == "jobs" and key == self.fail_key:
            raise OSError(errno.ENOSPC, "No space left on device")
        super().put(namespace, key, data)

    def commit_record(self, key: str, data: bytes) -> None:
        if key == self.fail_key:  # the disk fills half-way through the appended commit
            path = self._blob_path("jobs", key)
            with open(path, "ab") as f:
                f.write(b"\n" + data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        super().commit_record(key, data)


def parent(job: Job, path: str) -> str:
    with open(path, "w") as f:
        f.write("data")
    job.fileStore.writeGlobalFile(path)
    job.addChildJobFn(child)
    return "parent value"


def child(job: Job) -> str:
    return "child value"


@pytest.fixture
def setup(tmp_path: Path) -> tuple[FullDiskStore, WorkflowSettings, Job]:
    store = FullDiskStore(f"file:{tmp_path / 'store'}", str(tmp_path / "store"))
    store.create()
    settings = WorkflowSettings(workflow_id="faults", work_dir=str(tmp_path / "work"))
    save_settings(store, settings)
    root = Job.wrapJobFn(parent, str(tmp_path / "local.txt"))
    write_new_jobs(store, collect_new_jobs([root]), Requirements(), known=lambda job_id: False)
    store.put("shared", "root", root._toil_id.encode())
    return store, settings, root


def test_a_failed_commit_leaves_no_new_jobs_and_an_unchanged_record(
    setup: tuple[FullDiskStore, WorkflowSettings, Job],
) -> None:
    store, settings, root = setup
    record = worker.read_record(store, root._toil_id)
    store.fail_key = root._toil_id
    with pytest.raises(OSError, match="No space"):
        worker.run_job(store, settings, record)
    # The caller's record (the leader's own, for a local job) still says the job has not run.
    assert not record.ran and record.successors == []
    stored = store.get("jobs", root._toil_id)
    assert stored.count(b"\n") == 1 and not worker.read_record(store, root._toil_id).ran, "a torn commit counted"
    assert sorted(store.keys("jobs")) == [root._toil_id], "the new child's record outlived the failed commit"
    assert worker.read_record(store, root._toil_id).inline_body, "the root's body is gone from its record"
    assert list(store.file_ids()) == []
    report = check.check_store(store)
    assert not report.errors and report.unreachable.keys() <= {"results"}
    # Space is back: the retry commits exactly one child.
    store.fail_key = ""
    worker.run_job(store, settings, record)
    committed = worker.read_record(store, root._toil_id)
    assert committed.ran and len(committed.successors) == 1
    assert not check.check_store(store).errors
