"""Small bodies and return values travel in the job's record; big ones, and old stores, use blobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toil.core import check, payload, serialize, worker
from toil.core.graph import collect_new_jobs, write_new_jobs
from toil.core.job import Job
from toil.core.requirements import Requirements
from toil.core.settings import WorkflowSettings, save_settings
from toil.stores.file import FileJobStore

BIG = payload.INLINE_LIMIT + 1


def _newest(raw: bytes) -> dict[str, object]:
    """The newest version of a record (a file store appends the commit as a line)."""
    return json.loads(raw.split(b"\n")[-1])


def echo(job: Job, value: object) -> object:
    return value


@pytest.fixture
def store(tmp_path: Path) -> FileJobStore:
    store = FileJobStore(f"file:{tmp_path}", str(tmp_path / "store"))
    store.create()
    save_settings(store, WorkflowSettings(workflow_id="payload", work_dir=str(tmp_path)))
    return store


def _run(store: FileJobStore, value: object, checkpoint: bool = False) -> tuple[Job, dict[str, object]]:
    job = Job.wrapJobFn(echo, value, checkpoint=checkpoint)
    write_new_jobs(store, collect_new_jobs([job]), Requirements(), known=lambda job_id: False)
    written = json.loads(store.get("jobs", job._toil_id))
    settings = WorkflowSettings(workflow_id="payload", work_dir=store.path)
    worker.run_job(store, settings, worker.read_record(store, job._toil_id))
    return job, written


def test_a_small_body_and_value_live_in_the_record(store: FileJobStore) -> None:
    job, written = _run(store, "small")
    assert written["bd"] and written["v"] == 2
    committed = _newest(store.get("jobs", job._toil_id))
    assert committed["ran"] and committed["res"] and committed["bd"] == written["bd"], "the commit lost the body"
    assert list(store.keys("bodies")) == [] and list(store.keys("results")) == []
    assert serialize.loads(payload.read_result(store, job._toil_id)) == "small"
    assert check.check_store(store).errors == []


def test_a_big_body_and_value_get_blobs_of_their_own(store: FileJobStore) -> None:
    job, written = _run(store, "x" * BIG)
    assert "bd" not in written and list(store.keys("bodies")) == [job._toil_id]
    assert "res" not in _newest(store.get("jobs", job._toil_id))
    assert list(store.keys("results")) == [job._toil_id]
    assert serialize.loads(payload.read_result(store, job._toil_id)) == "x" * BIG


def test_a_checkpoint_keeps_its_body_in_a_blob(store: FileJobStore) -> None:
    """Its reset record (written by the leader, which keeps records light) must still find the body."""
    job, written = _run(store, "small", checkpoint=True)
    assert "bd" not in written and list(store.keys("bodies")) == [job._toil_id]


def test_the_leader_reads_a_body_back_from_the_stored_record(store: FileJobStore) -> None:
    job = Job.wrapJobFn(echo, "small")
    [record] = write_new_jobs(store, collect_new_jobs([job]), Requirements(), known=lambda job_id: False)
    body = payload.read_body(store, record)
    light = payload.lighten(record)
    assert light.inline_body == "" and payload.read_body(store, light) == body
    assert light.inline_body, "not kept for the commit"


def test_a_version_1_record_reads_its_blobs(store: FileJobStore) -> None:
    """A store written before records carried payloads restarts as before."""
    job, _ = _run(store, "x" * BIG)
    data = _newest(store.get("jobs", job._toil_id))
    data["v"] = 1
    store.put("jobs", job._toil_id, json.dumps(data).encode())
    record = worker.read_record(store, job._toil_id)
    assert record.ran and payload.read_body(store, record) == store.get("bodies", job._toil_id)
    with pytest.raises(KeyError):
        payload.read_result(store, "j-none")


def test_the_stored_field_names_stay_as_they_were() -> None:
    """Records keep their JSON names ("body", "bd", "res"), so stores written before read back."""
    from toil.core.description import JobDescription

    old = {"v": 2, "id": "j1", "name": "n", "req": Requirements().to_dict(), "phases": [[], []], "preds": 0,
           "body": False, "bd": "Ym9keQ==", "res": "dmFsdWU="}
    record = JobDescription.from_dict(old)
    assert not record.runs_code and record.inline_body == "Ym9keQ==" and record.inline_result == "dmFsdWU="
    assert payload.body_stored(record, set()) and payload.result_stored(record, set())
    assert {k: v for k, v in record.to_dict().items() if k in ("body", "bd", "res")} == {
        "body": False, "bd": "Ym9keQ==", "res": "dmFsdWU="}
    assert "body" not in JobDescription.from_dict({**old, "body": True}).to_dict()
