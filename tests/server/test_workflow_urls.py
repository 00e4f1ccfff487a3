"""workflow_url given as http(s) (a real HTTP server on 127.0.0.1) or, when the operator allows it, file://."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.server.wes import EXAMPLES, WesServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def examples_url() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(EXAMPLES))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def wes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WesServer]:
    server = WesServer(tmp_path_factory.mktemp("wes-urls") / "work", "--allow-local-files").start()
    yield server
    server.stop()


def test_cwl_wdl_and_py_by_http_url(wes: WesServer, examples_url: str) -> None:
    cwl = wes.start_run("CWL", "v1.2", f"{examples_url}/hello.cwl", params=json.dumps({"message": "by URL"}))
    wdl = wes.start_run("WDL", "1.0", f"{examples_url}/hello.wdl", params=(EXAMPLES / "hello.json").read_text())
    py = wes.start_run("py", "3", f"{examples_url}/staging.py", attachments={"in.txt": b"shout\n"},
                       params=json.dumps({"input": "in.txt", "output": "out.txt"}))
    for run_id in (cwl, wdl, py):
        assert wes.wait(run_id) == "COMPLETE", wes.run_log(run_id)
    assert Path(wes.run_log(cwl)["outputs"]["output"]["path"]).read_text() == "by URL\n"
    assert wes.run_log(wdl)["outputs"]["hello.lines"] == 3
    assert Path(wes.run_log(py)["outputs"]["out.txt"].removeprefix("file://")).read_text() == "SHOUT\n"


def test_unreachable_workflow_url_is_an_executor_error(wes: WesServer, examples_url: str) -> None:
    run_id = wes.start_run("WDL", "1.0", f"{examples_url}/missing.wdl")
    assert wes.wait(run_id) == "EXECUTOR_ERROR"
    assert any("cannot fetch the workflow" in line and "404" in line
               for line in wes.run_log(run_id)["run_log"]["system_logs"])


def test_local_file_when_allowed(wes: WesServer) -> None:
    run_id = wes.start_run("CWL", "v1.2", (EXAMPLES / "hello.cwl").as_uri(), params="{}")
    assert wes.wait(run_id) == "COMPLETE", wes.run_log(run_id)
    assert Path(wes.run_log(run_id)["outputs"]["output"]["path"]).read_text() == "Hello, world!\n"
