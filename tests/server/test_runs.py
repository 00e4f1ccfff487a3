"""Runs through a real ``toil server`` over HTTP, with each task runner: local processes and Celery on Redis.

Outputs are compared with a direct run of the same runner command line a user would type.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.wes import (
    CWL_DATA,
    DATA,
    EXAMPLES,
    WesServer,
    processes_of,
    server_env,
    wait_for_no_processes,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module", params=["local", "celery"])
def runner_args(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "local":
        return []
    broker = request.getfixturevalue("celery_worker")
    return ["--runner", "celery", "--broker", broker]


@pytest.fixture(scope="module")
def wes(runner_args: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[WesServer]:
    server = WesServer(tmp_path_factory.mktemp("wes") / "work", *runner_args).start()
    yield server
    server.stop()


def direct(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=server_env(), capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return done


def test_service_info_lists_types_versions_and_counts(wes: WesServer) -> None:
    assert wes.url.startswith("http://127.0.0.1:"), "the server listens on loopback unless told otherwise"
    info = wes.get("/service-info").json()
    assert info["workflow_type_versions"]["CWL"]["workflow_type_version"] == ["v1.0", "v1.1", "v1.2"]
    assert "1.0" in info["workflow_type_versions"]["WDL"]["workflow_type_version"]
    assert "py" in info["workflow_type_versions"]
    assert "1.1.0" in info["supported_wes_versions"]
    assert set(info["system_state_counts"]) >= {"QUEUED", "RUNNING", "COMPLETE", "CANCELED"}


def test_cwl_run_completes_with_the_outputs_of_a_direct_run(wes: WesServer, tmp_path: Path) -> None:
    params = {"message": "Hello from WES!"}
    run_id = wes.start_run("CWL", "v1.2", "hello.cwl", attachments={"hello.cwl": EXAMPLES / "hello.cwl"},
                           params=json.dumps(params))
    (tmp_path / "job.json").write_text(json.dumps(params))
    expected = json.loads(direct([sys.executable, "-m", "toil.cwl.cli", "--outdir", str(tmp_path / "out"),
                                  str(EXAMPLES / "hello.cwl"), "job.json"], tmp_path).stdout)["output"]
    assert wes.wait(run_id) == "COMPLETE", wes.run_log(run_id)
    log = wes.run_log(run_id)
    output = log["outputs"]["output"]
    assert {k: output[k] for k in ("basename", "checksum", "size", "class")} == \
        {k: expected[k] for k in ("basename", "checksum", "size", "class")}
    assert Path(output["path"]).read_text() == Path(expected["path"]).read_text() == "Hello from WES!\n"
    assert Path(output["path"]).is_relative_to(wes.run_dir(run_id))
    assert log["request"]["workflow_params"] == params and log["run_log"]["exit_code"] == 0
    assert log["task_logs"], "the engine's job logs are listed as task logs"


def test_wdl_run_completes_with_the_outputs_of_a_direct_run(wes: WesServer, tmp_path: Path) -> None:
    params = (EXAMPLES / "hello.json").read_text()
    run_id = wes.start_run("WDL", "1.0", "hello.wdl", attachments={"hello.wdl": EXAMPLES / "hello.wdl"},
                           params=params)
    expected = json.loads(direct([sys.executable, "-m", "toil.wdl.cli", str(EXAMPLES / "hello.wdl"),
                                  str(EXAMPLES / "hello.json"), "-o", str(tmp_path / "out")], tmp_path).stdout)
    assert wes.wait(run_id) == "COMPLETE", wes.run_log(run_id)
    outputs = wes.run_log(run_id)["outputs"]
    assert set(outputs) == set(expected)
    assert outputs["hello.messages"] == expected["hello.messages"] == ["Hello, world!", "Hello, Toil!", "Hello, WDL!"]
    assert outputs["hello.lines"] == expected["hello.lines"] == 3
    assert [Path(p).read_text() for p in outputs["hello.files"]] == \
        [Path(p).read_text() for p in expected["hello.files"]]


def test_python_run_completes_with_the_outputs_of_a_direct_run(wes: WesServer, tmp_path: Path) -> None:
    text = b"a line to shout\nand another\n"
    run_id = wes.start_run("py", "3", "staging.py",
                           attachments={"staging.py": EXAMPLES / "staging.py", "data/in.txt": text},
                           params=json.dumps({"input": "data/in.txt", "output": "out.txt"}))
    (tmp_path / "in.txt").write_bytes(text)
    direct([sys.executable, str(EXAMPLES / "staging.py"), "file:store", "--input", "in.txt", "--output", "out.txt"],
           tmp_path)
    assert wes.wait(run_id) == "COMPLETE", wes.run_log(run_id)
    outputs = wes.run_log(run_id)["outputs"]
    assert set(outputs) == {"out.txt"}, outputs
    produced = Path(outputs["out.txt"].removeprefix("file://"))
    assert produced.read_bytes() == (tmp_path / "out.txt").read_bytes() == text.upper()


def test_failing_workflow_ends_in_executor_error_with_its_stderr(wes: WesServer) -> None:
    run_id = wes.start_run("CWL", "v1.2", "fail.cwl", attachments={"fail.cwl": CWL_DATA / "fail.cwl"})
    assert wes.wait(run_id) == "EXECUTOR_ERROR"
    log = wes.run_log(run_id)["run_log"]
    assert log["exit_code"] not in (0, None)
    assert any("something went wrong" in line for line in log["system_logs"]), log["system_logs"]
    stderr = wes.http.get(log["stderr"], timeout=30)
    assert stderr.status_code == 200 and "something went wrong" in stderr.text
    assert wes.state(run_id) == "EXECUTOR_ERROR", "a terminal state stays"


def _start_sleeper(wes: WesServer, seconds: int, language: str = "CWL") -> str:
    if language == "CWL":
        run_id = wes.start_run("CWL", "v1.2", "sleep.cwl", attachments={"sleep.cwl": DATA / "sleep.cwl"},
                               params=json.dumps({"seconds": seconds}))
    else:
        run_id = wes.start_run("WDL", "1.0", "sleep.wdl", attachments={"sleep.wdl": DATA / "sleep.wdl"},
                               params=json.dumps({"sleeper.seconds": seconds}))
    wes.wait(run_id, {"RUNNING"} | {"COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR"}, timeout=60)
    wait_until(lambda: any(f"sleep {seconds}" in p for p in processes_of(wes.run_dir(run_id))), 60,
               "the workflow's sleep to start")
    return run_id


@pytest.mark.parametrize("language", ["CWL", "WDL"])
def test_cancel_running_workflow_ends_canceled_with_its_processes_gone(wes: WesServer, language: str) -> None:
    run_id = _start_sleeper(wes, 120, language)
    assert wes.state(run_id) == "RUNNING"
    assert processes_of(wes.run_dir(run_id))
    response = wes.post(f"/runs/{run_id}/cancel")
    assert response.status_code == 200 and response.json() == {"run_id": run_id}
    assert wes.wait(run_id, timeout=30) == "CANCELED"
    wait_for_no_processes(wes.run_dir(run_id))
    assert wes.post(f"/runs/{run_id}/cancel").status_code == 200
    assert wes.state(run_id) == "CANCELED"


def test_lost_executor_ends_in_system_error_never_stuck(wes: WesServer) -> None:
    run_id = _start_sleeper(wes, 120)
    executor = json.loads((wes.run_dir(run_id) / "wes" / "executor.json").read_text())
    os.kill(executor["pid"], signal.SIGKILL)
    assert wes.wait(run_id, timeout=30) == "SYSTEM_ERROR"
    assert any("executor" in line for line in wes.run_log(run_id)["run_log"]["system_logs"])
    wait_for_no_processes(wes.run_dir(run_id))


def test_restarted_server_still_reports_a_run_and_sees_it_finish(runner_args: list[str], tmp_path: Path) -> None:
    first = WesServer(tmp_path / "work", *runner_args).start()
    try:
        run_id = _start_sleeper(first, 10)
    finally:
        first.stop(signal.SIGKILL)  # a crash: nothing is said to the runs
    second = WesServer(tmp_path / "work", *runner_args).start()
    try:
        assert second.state(run_id) == "RUNNING", "the run goes on without the server, which still knows it"
        assert run_id in [r["run_id"] for r in second.get("/runs").json()["runs"]]
        assert second.wait(run_id, timeout=60) == "COMPLETE", second.run_log(run_id)
        assert Path(second.run_log(run_id)["outputs"]["out"]["path"]).read_text() == "slept 10\n"
    finally:
        second.stop()


def test_runs_are_listed_a_page_at_a_time(wes: WesServer) -> None:
    # Runs whose workflow cannot be fetched (nothing listens on port 9) end at once.
    mine = [wes.start_run("WDL", "1.0", "http://127.0.0.1:9/w.wdl") for _ in range(3)]
    everything = [r["run_id"] for r in wes.get("/runs").json()["runs"]]
    assert everything[-3:] == mine, "oldest first"
    first = wes.get("/runs", params={"page_size": 2}).json()
    assert [r["run_id"] for r in first["runs"]] == everything[:2] and first["next_page_token"]
    rest = wes.get("/runs", params={"page_size": 1000, "page_token": first["next_page_token"]}).json()
    assert [r["run_id"] for r in rest["runs"]] == everything[2:] and rest["next_page_token"] == ""
    for run_id in mine:
        assert wes.wait(run_id) == "EXECUTOR_ERROR"


def test_cancel_of_a_queued_run_is_immediate(redis_url: str, tmp_path: Path) -> None:
    """With no Celery worker on its queue (a Redis database of its own) a run stays QUEUED until canceled."""
    idle_broker = redis_url.rsplit("/", 1)[0] + "/7"
    wes = WesServer(tmp_path / "work", "--runner", "celery", "--broker", idle_broker).start()
    try:
        run_id = wes.start_run("CWL", "v1.2", "hello.cwl", attachments={"hello.cwl": EXAMPLES / "hello.cwl"})
        assert wes.state(run_id) == "QUEUED"
        assert wes.post(f"/runs/{run_id}/cancel").status_code == 200
        assert wes.state(run_id) == "CANCELED"
        assert wes.get("/service-info").json()["system_state_counts"]["CANCELED"] == 1
    finally:
        wes.stop()


def test_unreachable_broker_ends_the_run_in_system_error_not_queued(tmp_path: Path) -> None:
    wes = WesServer(tmp_path / "work", "--runner", "celery", "--broker", "redis://127.0.0.1:9/0").start()
    try:
        response = wes.submit("CWL", "v1.2", "hello.cwl", attachments={"hello.cwl": EXAMPLES / "hello.cwl"})
        assert response.status_code == 503 and "celery runner is unavailable" in response.json()["msg"]
        [run] = wes.get("/runs").json()["runs"]
        assert run["state"] == "SYSTEM_ERROR"
        assert any("did not take the run" in line for line in wes.run_log(run["run_id"])["run_log"]["system_logs"])
    finally:
        wes.stop()


def test_run_log_links_to_the_report_of_the_run(wes: WesServer) -> None:
    run_id = wes.start_run("CWL", "v1.2", "hello.cwl", attachments={"hello.cwl": EXAMPLES / "hello.cwl"},
                           params=json.dumps({"message": "report me"}))
    assert wes.wait(run_id) == "COMPLETE", wes.run_log(run_id)
    url = wes.run_log(run_id)["report_url"]
    assert url == f"{wes.url}/runs/{run_id}/report"
    report = wes.http.get(url, timeout=60)
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/html"), report.text[:500]
    assert "Toil workflow report" in report.text and 'class="succeeded"' in report.text
    assert "hello.cwl" in report.text, "the report names the run's step"
    missing = wes.get("/runs/no-such-run/report")
    assert missing.status_code == 404


def test_report_of_a_running_workflow_is_made_from_its_job_store(wes: WesServer) -> None:
    run_id = _start_sleeper(wes, 120)
    report = wes.http.get(f"{wes.url}/runs/{run_id}/report", timeout=120)
    assert report.status_code == 200, report.text[:500]
    assert 'class="running">running<' in report.text, "the leader has not ended: its records say so"
    progress = wait_for_progress(wes, run_id)
    assert re.fullmatch(r"\d+ of \d+\+? jobs done, [0-9,]+ running, .*elapsed", progress), progress
    assert wes.post(f"/runs/{run_id}/cancel").status_code == 200
    assert wes.wait(run_id, timeout=30) == "CANCELED"
    wait_for_no_processes(wes.run_dir(run_id))


def wait_for_progress(wes: WesServer, run_id: str, timeout: float = 90) -> str:
    """The run log's progress summary, once the engine has written one (every few seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = wes.run_log(run_id)["progress"]
        if progress:
            return str(progress)
        time.sleep(1)
    raise AssertionError(f"no progress in the run log of {run_id} after {timeout:g} s: {wes.run_log(run_id)}")
