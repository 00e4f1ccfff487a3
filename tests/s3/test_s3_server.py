"""toil server with workflow documents given as s3:// URLs (the real S3 server of tests/s3)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.wes import EXAMPLES, WesServer, race
from toil.server.s3_store import S3StateStore
from toil.server.states import State
from toil.server.store import new_run_id
from toil.stores import s3_io

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def bucket() -> Iterator[str]:
    s3 = s3_io.client("us-east-1")
    name = "toil-wes-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=name)
    try:
        for document in ("hello.cwl", "hello.wdl"):
            s3.put_object(Bucket=name, Key=f"workflows/{document}", Body=(EXAMPLES / document).read_bytes())
        yield name
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=name, Key=item["Key"])
        s3.delete_bucket(Bucket=name)


def test_cwl_and_wdl_documents_from_s3(tmp_path: Path, bucket: str) -> None:
    wes = WesServer(tmp_path / "work").start()
    try:
        cwl = wes.start_run("CWL", "v1.2", f"s3://{bucket}/workflows/hello.cwl", params=json.dumps({"message": "s3"}))
        wdl = wes.start_run("WDL", "1.0", f"s3://{bucket}/workflows/hello.wdl",
                            params=(EXAMPLES / "hello.json").read_text())
        missing = wes.start_run("WDL", "1.0", f"s3://{bucket}/workflows/missing.wdl")
        assert wes.wait(cwl) == "COMPLETE", wes.run_log(cwl)
        assert wes.wait(wdl) == "COMPLETE", wes.run_log(wdl)
        assert Path(wes.run_log(cwl)["outputs"]["output"]["path"]).read_text() == "s3\n"
        assert wes.run_log(wdl)["outputs"]["hello.lines"] == 3
        assert wes.wait(missing) == "EXECUTOR_ERROR"
        assert any("cannot fetch the workflow" in line for line in wes.run_log(missing)["run_log"]["system_logs"])
    finally:
        wes.stop()


def test_s3_state_store_moves_by_compare_and_set(bucket: str) -> None:
    store = S3StateStore(f"s3://{bucket}/cas")
    run_id = new_run_id()
    store.create(run_id, {"workflow_type": "CWL"})
    assert store.move(run_id, State.QUEUED) and not store.move(run_id, State.COMPLETE)
    wins = race(6, lambda: S3StateStore(f"s3://{bucket}/cas").move(
        run_id, State.INITIALIZING, only_from=frozenset({State.QUEUED}), also={"executor": {"pid": 1}}))
    assert wins == [False] * 5 + [True]
    assert store.state(run_id) == State.INITIALIZING and store.read(run_id, "executor") == {"pid": 1}
    assert store.run_ids() == [run_id] and store.exists(run_id) and not store.exists(new_run_id())


def test_server_keeps_run_states_in_s3_across_a_restart(tmp_path: Path, bucket: str) -> None:
    locator = f"s3://{bucket}/wes-state"
    wes = WesServer(tmp_path / "work", "--state_store", locator).start()
    try:
        run_id = wes.start_run("CWL", "v1.2", "hello.cwl", attachments={"hello.cwl": EXAMPLES / "hello.cwl"})
        assert wes.wait(run_id) == "COMPLETE", wes.run_log(run_id)
    finally:
        wes.stop()
    assert not (tmp_path / "work" / run_id / "wes").exists(), "the states are in S3, not in the work directory"
    keys = [o["Key"] for o in s3_io.client("us-east-1").list_objects_v2(Bucket=bucket)["Contents"]]
    assert f"wes-state/{run_id}/state.json" in keys
    again = WesServer(tmp_path / "work", "--state_store", locator).start()
    try:
        assert again.state(run_id) == "COMPLETE"
        assert Path(again.run_log(run_id)["outputs"]["output"]["path"]).read_text() == "Hello, world!\n"
    finally:
        again.stop()
