"""The ``toil`` command against real runs: status, stats, clean, kill and debug-job.

Workflows come from ``scripts/reporting.py``, run as a user would; ``toil`` runs as
``python -m toil.cli.main`` with this checkout first on the path.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.support import EXAMPLES, REPO, SCRIPTS, result_of, run_script, script_command
from toil.core import control, plugins

pytestmark = pytest.mark.integration

SUBCOMMANDS = ("status", "stats", "clean", "kill", "debug-job")


def toil(*args: object, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "toil.cli.main", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout, check=False)


def one_error_line(proc: subprocess.CompletedProcess[str], command: str) -> str:
    assert proc.returncode not in (0, 2), proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"toil {command}: error: "), lines
    return lines[0]


@pytest.fixture(scope="module")
def tree_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A completed workflow run with --stats (which keeps its store)."""
    where = tmp_path_factory.mktemp("tree")
    proc = run_script("reporting.py", where / "store", "--mode", "tree", "--stats", cwd=where)
    assert result_of(proc) == "['w0', 'w1']"
    assert (where / "store").is_dir(), "--stats must keep the job store"
    return where / "store"


@pytest.fixture()
def failed_store(tmp_path: Path) -> Path:
    proc = run_script("reporting.py", tmp_path / "store", "--mode", "fail", "--dir", tmp_path, "--retryCount=0",
                      cwd=tmp_path)
    assert proc.returncode == 1 and "ValueError: breaker got 41" in proc.stderr, proc.stderr
    return tmp_path / "store"


# -- status ---------------------------------------------------------------------------------------
def test_status_of_a_completed_workflow(tree_store: Path) -> None:
    proc = toil("status", tree_store, "--failIfNotComplete", cwd=tree_store.parent)
    assert proc.returncode == 0, proc.stderr
    assert "Workflow status: COMPLETED" in proc.stdout
    assert "Of the 5 jobs" in proc.stdout and "5 have completed" in proc.stdout and "0 have failed" in proc.stdout


def test_status_of_a_failed_workflow(failed_store: Path) -> None:
    proc = toil("status", failed_store, cwd=failed_store.parent)
    assert proc.returncode == 0
    assert "Workflow status: FAILED" in proc.stdout
    assert "2 have completed" in proc.stdout and "1 have failed" in proc.stdout
    assert "Failed job: 'breaker'" in proc.stdout
    assert toil("status", failed_store, "--failIfNotComplete", cwd=failed_store.parent).returncode == 1
    logs = toil("status", failed_store, "--printLogs", cwd=failed_store.parent)
    assert "=== Log of the failed job 'breaker'" in logs.stdout
    assert "\tValueError: breaker got 41" in logs.stdout and "\tstdout-of-breaker" in logs.stdout
    failed = toil("status", failed_store, "--failed", cwd=failed_store.parent)
    assert failed.stdout.strip().startswith("Failed job: 'breaker' j") and len(failed.stdout.splitlines()) == 1


def test_status_print_dot(failed_store: Path) -> None:
    proc = toil("status", failed_store, "--printDot", cwd=failed_store.parent)
    dot = proc.stdout[proc.stdout.index("digraph"):]
    assert dot.rstrip().endswith("}")
    nodes = [line for line in dot.splitlines() if "[label=" in line]
    edges = [line for line in dot.splitlines() if "->" in line]
    assert len(nodes) == 3 and len(edges) == 2
    assert sum("style=dashed" in edge for edge in edges) == 1  # the follow-on
    assert any("breaker" in node and "color=red" in node for node in nodes)
    if subprocess.run(["which", "dot"], capture_output=True).returncode == 0:
        subprocess.run(["dot", "-Tsvg"], input=dot, text=True, check=True, capture_output=True)


def test_status_of_a_store_that_never_started(tmp_path: Path) -> None:
    plugins.open_job_store(str(tmp_path / "store")).create()
    proc = toil("status", tmp_path / "store", cwd=tmp_path)
    assert proc.returncode == 0 and "Workflow status: NOT_STARTED" in proc.stdout
    assert toil("status", tmp_path / "store", "--failIfNotComplete", cwd=tmp_path).returncode == 1


# -- stats ----------------------------------------------------------------------------------------
def test_stats_text_report(tree_store: Path) -> None:
    proc = toil("stats", tree_store, cwd=tree_store.parent)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Batch System: single_machine"
    assert lines[1].startswith("Default Cores: 1  Default Memory: 2097152KiB")
    assert lines[3].startswith("Local CPU Time: ") and "Overall Runtime: " in lines[3]
    assert lines[4] == "Worker"
    assert "Real Time (s)*" in lines[5] and "CPU Time (core·s)" in lines[5] and "Memory (B)" in lines[5]
    kinds = [line.strip() for line in lines if line.startswith(" ") and not line.startswith("  ")
             and "|" not in line]
    assert sorted(kinds) == ["busy", "root", "summary", "worker"]
    assert kinds[0] == "busy"  # sorted by median real time, largest first: busy burns 0.5 s of CPU
    worker_row = lines[lines.index(" worker") + 4]
    assert worker_row.split("|")[0].strip() == "2"
    alpha = toil("stats", tree_store, "--sortCategory", "alpha", cwd=tree_store.parent).stdout.splitlines()
    assert [line.strip() for line in alpha if line.strip() in kinds] == ["busy", "root", "summary", "worker"]


def test_stats_raw_json(tree_store: Path) -> None:
    proc = toil("stats", tree_store, "--raw", cwd=tree_store.parent)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    types = report["job_types"]
    assert sorted(types) == ["busy", "root", "summary", "worker"]
    assert types["worker"]["count"] == 2 and report["jobs"]["count"] == 5
    assert types["worker"]["total_cores"] == pytest.approx(0.2)
    busy = types["busy"]
    assert busy["clock"]["total"] >= 0.45  # it burned 0.5 s of CPU
    assert busy["time"]["total"] >= busy["clock"]["total"] * 0.9
    assert busy["memory"]["max"] > 1_000_000  # bytes: a Python process
    for summary in types.values():
        for category in ("time", "clock", "wait", "memory"):
            numbers = summary[category]
            assert numbers["min"] <= numbers["med"] <= numbers["max"] <= numbers["total"] + 1e-9 or category == "wait"
    workflow = report["workflow"]
    assert workflow["batch_system"] == "single_machine" and workflow["runtime"] > 0 and workflow["runs"] == 1
    assert report["worker"]["count"] == 5  # no chaining here: one worker per job


def test_stats_of_a_workflow_run_without_stats(failed_store: Path) -> None:
    line = one_error_line(toil("stats", failed_store, cwd=failed_store.parent), "stats")
    assert "--stats" in line


# -- clean ----------------------------------------------------------------------------------------
def test_clean_deletes_the_store(failed_store: Path) -> None:
    proc = toil("clean", failed_store, cwd=failed_store.parent)
    assert proc.returncode == 0, proc.stderr
    assert not failed_store.exists()
    one_error_line(toil("clean", failed_store, cwd=failed_store.parent), "clean")


# -- bad job stores -------------------------------------------------------------------------------
def bad_stores(tmp_path: Path) -> dict[str, Path]:
    other = tmp_path / "not-a-store"
    other.mkdir()
    (other / "precious.txt").write_text("keep me")
    plain = tmp_path / "plain-file"
    plain.write_text("keep me too")
    return {"missing": tmp_path / "missing", "directory": other, "file": plain}


@pytest.mark.parametrize("command", SUBCOMMANDS)
@pytest.mark.parametrize("kind", ["missing", "directory", "file"])
def test_bad_job_store_gets_one_clear_error_line(tmp_path: Path, command: str, kind: str) -> None:
    store = bad_stores(tmp_path)[kind]
    extra = ["somejob"] if command == "debug-job" else []
    line = one_error_line(toil(command, store, *extra, cwd=tmp_path), command)
    assert str(store.name) in line
    assert ("does not exist" in line) == (kind == "missing"), line
    assert (tmp_path / "not-a-store" / "precious.txt").read_text() == "keep me"
    assert (tmp_path / "plain-file").read_text() == "keep me too"


# -- kill -----------------------------------------------------------------------------------------
def start_sleepers(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[str], list[int]]:
    command, env = script_command("reporting.py", tmp_path / "store", "--mode", "sleepers", "--dir", tmp_path,
                                  *options)
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    pid_files = [tmp_path / f"pid-{index}" for index in range(3)]
    while not all(path.exists() and path.read_text() for path in pid_files):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    return proc, [int(path.read_text()) for path in pid_files]


def assert_all_gone(proc: subprocess.Popen[str], job_pids: list[int], within: float) -> str:
    try:
        _, stderr = proc.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"the leader was still running {within} s after toil kill")
    assert proc.returncode != 0
    deadline = time.monotonic() + 5
    while any(control.pid_alive(pid) for pid in job_pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in job_pids if control.pid_alive(pid)], "jobs outlived their leader"
    return stderr


def test_kill_stops_the_leader_and_every_job(tmp_path: Path) -> None:
    proc, job_pids = start_sleepers(tmp_path)
    try:
        status = toil("status", tmp_path / "store", cwd=tmp_path)
        assert "Workflow status: RUNNING" in status.stdout and f"pid {proc.pid}" in status.stdout
        assert toil("clean", tmp_path / "store", cwd=tmp_path).returncode == 1  # refuses while it runs
        started = time.monotonic()
        killed = toil("kill", tmp_path / "store", cwd=tmp_path)
        assert killed.returncode == 0, killed.stderr
        stderr = assert_all_gone(proc, job_pids, within=15)
        assert time.monotonic() - started < 15
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in job_pids:
            if control.pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("toil: error: The workflow was killed"), stderr
    status = toil("status", tmp_path / "store", cwd=tmp_path)
    assert "Workflow status: FAILED" in status.stdout and "stopped by toil kill" in status.stdout
    again = toil("kill", tmp_path / "store", cwd=tmp_path)
    assert again.returncode == 0 and "nothing to kill" in again.stderr


def test_kill_flag_stops_a_leader_that_cannot_be_signalled(tmp_path: Path) -> None:
    """What toil kill does for a leader on another host: set the flag the leader polls."""
    proc, job_pids = start_sleepers(tmp_path, "--kill_polling_interval=0.5")
    try:
        plugins.open_job_store(str(tmp_path / "store")).put("shared", control.KILL_KEY, b"{}")
        assert_all_gone(proc, job_pids, within=15)
    finally:
        if proc.poll() is None:
            proc.kill()


# -- debug-job ------------------------------------------------------------------------------------
def test_debug_job_reruns_a_failed_job_in_the_foreground(failed_store: Path) -> None:
    where = failed_store.parent
    record_before = sorted((failed_store / "jobs").rglob("*"))
    proc = toil("debug-job", failed_store, "breaker", cwd=where)
    assert proc.returncode == 1
    assert "stdout-of-breaker" in proc.stdout  # its output is shown, not captured
    assert "Traceback" in proc.stderr and 'raise ValueError(f"breaker got {value}")' in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].endswith("failed: ValueError: breaker got 41")
    source = toil("debug-job", failed_store, "source", cwd=where)
    assert source.returncode == 0 and "returned: 41" in source.stdout
    assert sorted((failed_store / "jobs").rglob("*")) == record_before
    status = toil("status", failed_store, "--failed", cwd=where)
    job_id = status.stdout.split()[-1]
    by_id = toil("debug-job", failed_store, job_id, cwd=where)
    assert by_id.returncode == 1 and "breaker got 41" in by_id.stderr
    info = toil("debug-job", failed_store, "breaker", "--printJobInfo", cwd=where)
    assert json.loads(info.stdout)["id"] == job_id


def test_a_script_run_from_another_directory_is_named_in_tracebacks(tmp_path: Path) -> None:
    """The failure report and debug-job name the script's path and show its source line."""
    where = tmp_path / "elsewhere"
    where.mkdir()
    script = SCRIPTS / "reporting.py"
    relative = os.path.relpath(script, where)  # as a user types it: ../../somewhere/reporting.py
    proc = run_script(script, "store", "--mode", "fail", "--dir", where, "--retryCount=0", cwd=where,
                      argv0=relative)
    assert proc.returncode == 1
    debug = toil("debug-job", where / "store", "breaker", cwd=tmp_path)
    assert debug.returncode == 1
    for report in (proc.stderr, debug.stderr):  # the leader's failure report, then debug-job's
        frame = re.search(r'File "([^"]*)", line \d+, in breaker\n\s*raise ValueError\(f"breaker got \{value\}"\)',
                          report)
        assert frame, report
        assert os.path.isabs(frame[1]) and Path(frame[1]).resolve() == script.resolve()


def test_debug_job_commit_then_restart_finishes_the_workflow(failed_store: Path) -> None:
    where = failed_store.parent
    (where / "fixed").write_text("fixed")
    proc = toil("debug-job", failed_store, "breaker", "--commit", cwd=where)
    assert proc.returncode == 0, proc.stderr
    assert "Workflow status: COMPLETED" in toil("status", failed_store, cwd=where).stdout
    restart = run_script("reporting.py", failed_store, "--mode", "fail", "--dir", where, "--restart", cwd=where)
    assert result_of(restart) == "42"
    assert "stdout-of-breaker" not in restart.stderr  # it was not run again


def test_debug_job_names_that_match_nothing_or_several(tree_store: Path) -> None:
    where = tree_store.parent
    line = one_error_line(toil("debug-job", tree_store, "nosuch", cwd=where), "debug-job")
    assert "No job with the id or name 'nosuch'" in line
    line = one_error_line(toil("debug-job", tree_store, "worker", cwd=where), "debug-job")
    assert "2 jobs are named 'worker'" in line


# -- the stats example, as Toil's documentation runs it ---------------------------------------------
def test_stats_example(tmp_path: Path) -> None:
    proc = run_script(EXAMPLES / "stats.py", f"file:{tmp_path / 'my-jobstore'}", "--stats", cwd=tmp_path,
                      timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(toil("stats", "file:my-jobstore", "--raw", cwd=tmp_path).stdout)
    types = report["job_types"]
    assert sorted(types) == ["doNothing", "efficientJob", "inefficientJob", "multithreadedJob"]
    assert all(summary["count"] == 1 for summary in types.values())
    assert types["multithreadedJob"]["total_cores"] == 2.0
    assert types["inefficientJob"]["time"]["total"] >= 1.8  # it sleeps
    assert types["inefficientJob"]["wait"]["total"] > 1.0  # ...on a core it reserved
    assert types["efficientJob"]["clock"]["total"] > types["doNothing"]["clock"]["total"]
    text = toil("stats", "file:my-jobstore", cwd=tmp_path).stdout
    assert " multithreadedJob\n    Total Cores: 2.0" in text
    assert toil("clean", "file:my-jobstore", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "my-jobstore").exists()


def test_stats_and_logs_of_a_chain_run_by_one_worker(tmp_path: Path) -> None:
    proc = run_script("chain.py", tmp_path / "store", "--record", tmp_path / "pids.txt", "--length", 4, "--stats",
                      "--writeLogs", tmp_path / "logs", cwd=tmp_path)
    assert result_of(proc) == "0"
    assert len({line.split()[1] for line in (tmp_path / "pids.txt").read_text().splitlines()}) == 1  # chained
    report = json.loads(toil("stats", tmp_path / "store", "--raw", cwd=tmp_path).stdout)
    assert report["jobs"]["count"] == 4
    assert report["worker"]["count"] == 1 and report["worker_jobs"]["max"] == 4
    assert len(list((tmp_path / "logs").iterdir())) == 4  # one log per job, though one worker ran them
