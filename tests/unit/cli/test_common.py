"""Opening job stores for the toil command, and naming jobs for debug-job."""

from __future__ import annotations

from pathlib import Path

import pytest

from toil.cli.common import CommandError, failed_job_ids, load_records, open_store
from toil.cli.debug_job import find_job
from toil.core.description import JobDescription
from toil.core.jobstore import AbstractJobStore
from toil.core.requirements import Requirements
from toil.stores.file import FileJobStore


def add(store: AbstractJobStore, job_id: str, name: str, ran: bool = False, failed: bool = False) -> None:
    record = JobDescription(job_id, name, Requirements(), display_name=name, ran=ran)
    store.put("jobs", job_id, record.to_json())
    if failed:
        store.put("logs", job_id, b"it broke\n")


@pytest.fixture()
def store(tmp_path: Path) -> AbstractJobStore:
    store = FileJobStore(f"file:{tmp_path / 'store'}", str(tmp_path / "store"))
    store.create()
    add(store, "j1", "align", ran=True)
    add(store, "j2", "align", failed=True)
    add(store, "j3", "merge")
    add(store, "j4", "sort")
    add(store, "j5", "sort")
    return store


def test_open_store_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        open_store(str(tmp_path / "missing"))
    (tmp_path / "dir").mkdir()
    with pytest.raises(CommandError, match="not a job store"):
        open_store(str(tmp_path / "dir"))
    with pytest.raises(CommandError, match="unknown kind"):
        open_store("gopher://x")


def test_failed_jobs_are_those_not_run_with_a_log(store: AbstractJobStore) -> None:
    assert failed_job_ids(store, load_records(store)) == ["j2"]


def test_find_job_by_id_name_and_preferring_failed(store: AbstractJobStore) -> None:
    records = load_records(store)
    assert find_job(store, records, "j4").job_id == "j4"
    assert find_job(store, records, "align").job_id == "j2"  # the failed one of two
    assert find_job(store, records, "merge").job_id == "j3"
    with pytest.raises(CommandError, match="2 jobs are named 'sort'"):
        find_job(store, records, "sort")
    with pytest.raises(CommandError, match="failed jobs: 'align' j2"):
        find_job(store, records, "nosuch")
