"""toil server with workflow documents given as s3:// URLs (the real S3 server of tests/s3)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.wes import EXAMPLES, WesServer
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
