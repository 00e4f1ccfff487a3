"""The OpenAPI document is valid, and schemathesis, generating requests from it, gets no 5xx from a live server."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from importlib import resources
from pathlib import Path

import pytest
import requests
import yaml
from openapi_spec_validator import validate

from tests.server.wes import CWL_DATA, WesServer, server_env

pytestmark = pytest.mark.integration

DOCUMENT = Path(str(resources.files("toil.server") / "openapi.yaml"))


def test_the_document_is_valid_openapi() -> None:
    document = yaml.safe_load(DOCUMENT.read_text())
    validate(document)
    assert set(document["paths"]) >= {"/service-info", "/runs", "/runs/{run_id}", "/runs/{run_id}/status",
                                      "/runs/{run_id}/cancel"}


def test_schemathesis_finds_no_server_errors(tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    (tmp_path / "token").write_text(token)
    wes = WesServer(tmp_path / "work", "--auth-token-file", str(tmp_path / "token"), token=token).start()
    try:
        # One finished run, so that the stateful phase follows GET /runs to real run ids.
        run_id = wes.start_run("CWL", "v1.2", "fail.cwl", attachments={"fail.cwl": CWL_DATA / "fail.cwl"})
        wes.wait(run_id)
        done = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", str(DOCUMENT), "--url", wes.url,
             "--header", f"Authorization: Bearer {token}", "--checks", "all",
             # Whether a schema-valid submission is accepted depends on /service-info and on the attached
             # files, which the schema cannot say: such requests rightly get a 400.
             "--exclude-checks", "positive_data_acceptance",
             "--max-examples", "25", "--workers", "1", "--seed", "1",
             "--report", "ndjson", "--report-dir", str(tmp_path / "report")],
            env=server_env({"SCHEMATHESIS_HOOKS": ""}), cwd=tmp_path,  # its cache goes there, not in the repo
            capture_output=True, text=True, timeout=240, check=False)
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
        assert "5xx" not in done.stdout.split("SUMMARY")[-1]
        statuses = _statuses(tmp_path / "report")
        assert statuses and not [s for s in statuses if s >= 500], sorted(set(statuses))
        assert {200, 400, 401, 404} <= set(statuses), sorted(set(statuses))
        served = requests.get(wes.url + "/openapi.yaml", timeout=30)  # no token needed
        assert served.status_code == 200 and served.content == DOCUMENT.read_bytes()
    finally:
        wes.stop()
    assert "internal error" not in wes.log()


def _statuses(report_dir: Path) -> list[int]:
    """Every HTTP status the server answered schemathesis with."""
    statuses = []
    for path in report_dir.glob("*.ndjson"):
        for line in path.read_text().splitlines():
            _collect(json.loads(line), statuses)
    return statuses


def _collect(value: object, into: list[int]) -> None:
    if isinstance(value, dict):
        status = value.get("status_code")
        if isinstance(status, int) and "elapsed" in value:
            into.append(status)
        for item in value.values():
            _collect(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect(item, into)
