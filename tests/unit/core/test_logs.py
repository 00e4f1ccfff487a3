"""Job-log helpers, what workers are asked to report, and real-time logging in one process."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import pytest

from toil.core import logs
from toil.core.description import JobDescription
from toil.core.requirements import Requirements
from toil.core.settings import WorkflowSettings
from toil.stores.file import FileJobStore


def test_truncate() -> None:
    data = b"0123456789"
    assert logs.truncate(data, 3) == b"789"
    assert logs.truncate(data, -3) == b"012"
    assert logs.truncate(data, 0) == data
    assert logs.truncate(data, 100) == data


def parse(*args: str) -> logs.LogOptions:
    parser = argparse.ArgumentParser()
    logs.add_log_options(parser)
    return logs.LogOptions.from_options(parser.parse_args(list(args)))


def test_options_default_to_nothing_for_workers() -> None:
    options = parse()
    assert options == logs.LogOptions(None, False, 64000, True, False)
    assert options.reporting(stats=False) == logs.JobReporting()
    assert logs.realtime_environment(None, "INFO") == {}


def test_options_reach_workers_in_the_settings(tmp_path: Path) -> None:
    options = parse("--writeLogsGzip", str(tmp_path), "--maxLogFileSize=-2Ki", "--noStdOutErr")
    assert options.write_logs == str(tmp_path) and options.gzip
    assert options.reporting(stats=False) == logs.JobReporting(False, True, -2048, False)
    environment = logs.realtime_environment("127.0.0.1:9", "DEBUG")
    assert environment == {logs.RT_ADDRESS_ENV: "127.0.0.1:9", logs.RT_LEVEL_ENV: "DEBUG"}
    settings = WorkflowSettings("w", reporting=options.reporting(stats=True))
    assert WorkflowSettings.from_json(settings.to_json()).reporting == logs.JobReporting(True, True, -2048, False)


def test_log_file_names_are_safe() -> None:
    record = JobDescription("j1", "x", Requirements(), display_name="a/b c:d")
    assert logs.log_file_name(record, "j1", failed=False, gzipped=False) == "a_b_c_d_j1.log"
    assert logs.log_file_name(record, "j1", failed=True, gzipped=True) == "a_b_c_d_j1_FAILED.log.gz"
    assert logs.log_file_name(None, "j2", failed=False, gzipped=False) == "job_j2.log"


def test_write_log_files_takes_kept_logs_out_of_the_store(tmp_path: Path) -> None:
    store = FileJobStore("file:s", str(tmp_path / "s"))
    store.create()
    store.put("jobs", "j1", JobDescription("j1", "one", Requirements()).to_json())
    store.put("jobs", "j2", JobDescription("j2", "two", Requirements()).to_json())
    store.put("logs", "log-j1", b"ran fine\n")
    store.put("logs", "j2", b"failed\n")
    store.put("logs", "stats-j1", b"{}")
    options = logs.LogOptions(str(tmp_path / "out"), False, 64000, True, False)
    written: set[str] = set()
    assert logs.write_log_files(store, options, written) == 2
    assert logs.write_log_files(store, options, written) == 0  # nothing twice
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == ["one_j1.log", "two_j2_FAILED.log"]
    assert not store.has("logs", "log-j1") and store.has("logs", "j2") and store.has("logs", "stats-j1")


def test_realtime_records_travel_to_the_server(monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    server = logs.RealtimeServer("127.0.0.1")
    address = server.start()
    try:
        monkeypatch.setenv(logs.RT_ADDRESS_ENV, address)
        monkeypatch.setenv(logs.RT_LEVEL_ENV, "INFO")
        with caplog.at_level(logging.INFO):
            rt = logs.realtime_logger()
            rt.info("hello %s", "leader")
            rt.debug("not sent")

            def received() -> list[str]:  # records rebuilt by the server have no source line
                return [r.getMessage() for r in caplog.records if r.name == "toil-rt" and r.lineno == 0]

            deadline = time.monotonic() + 5
            while not received() and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.1)
        assert received() == ["hello leader"]
    finally:
        server.close()
        monkeypatch.delenv(logs.RT_ADDRESS_ENV)
        logs.realtime_logger()  # drops the handler


def test_server_ignores_garbage() -> None:
    logs.RealtimeServer._emit(b"not json")
    logs.RealtimeServer._emit(json.dumps({"msg": "no level"}).encode())
