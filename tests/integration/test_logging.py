"""Job logs as a user sees them: real-time logging, --writeLogs, --maxLogFileSize, --noStdOutErr.

Each test runs ``scripts/reporting.py`` as a user would, in its own directory under tmp_path.
"""

from __future__ import annotations

import gzip
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.integration.support import result_of, run_script, script_command

pytestmark = pytest.mark.integration

JOB_NAMES = ("root", "worker", "worker", "busy", "summary")


def run_tree(tmp_path: Path, *options: object) -> subprocess.CompletedProcess[str]:
    return run_script("reporting.py", tmp_path / "store", "--mode", "tree", *options, cwd=tmp_path)


def log_files(directory: Path) -> dict[str, list[Path]]:
    """Written log files by job name (the part of the file name before the job id)."""
    files: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()):
        files.setdefault(path.name.rsplit("_j", 1)[0], []).append(path)
    return files


# -- real-time logging ---------------------------------------------------------------------------
class LineWatcher:
    """Read a process's stderr as it is written, remembering when each line arrived."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[tuple[float, str]] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, needle: str, timeout: float) -> tuple[float, str] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for arrived, line in list(self.lines):
                if needle in line:
                    return arrived, line
            time.sleep(0.02)
        return None

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def test_realtime_messages_reach_the_leader_while_the_job_runs(tmp_path: Path) -> None:
    command, env = script_command("reporting.py", tmp_path / "store", "--mode", "realtime", "--dir", tmp_path,
                                  "--realTimeLogging")
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    watcher = LineWatcher(proc)
    try:
        first = watcher.wait_for("rt-first", timeout=60)
        assert first is not None, watcher.text()
        # The job is still running (it waits for "go"): the message came while it ran.
        assert not (tmp_path / "done").exists()
        assert proc.poll() is None
        assert "[toil-rt]" in first[1] and "[I]" in first[1], first[1]
        time.sleep(0.5)
        go = time.monotonic()
        (tmp_path / "go").write_text("go")
        second = watcher.wait_for("rt-second", timeout=30)
        assert second is not None, watcher.text()
        assert second[0] >= go > first[0]
        proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    watcher.thread.join(timeout=5)
    assert proc.returncode == 0, watcher.text()
    assert "[W] [toil-rt] rt-second" in watcher.text()


def test_realtime_logger_without_the_option_writes_only_to_the_job_log(tmp_path: Path) -> None:
    (tmp_path / "go").write_text("go")
    proc = run_script("reporting.py", tmp_path / "store", "--mode", "realtime", "--dir", tmp_path,
                      "--writeLogs", tmp_path / "logs", cwd=tmp_path)
    assert result_of(proc) == "rt"
    assert "rt-first" not in proc.stderr
    (log,) = (tmp_path / "logs").iterdir()
    assert "rt-first from pid" in log.read_text()
    assert "rt-second" in log.read_text()


# -- --writeLogs ----------------------------------------------------------------------------------
def test_write_logs_writes_one_file_per_job_named_after_it(tmp_path: Path) -> None:
    proc = run_tree(tmp_path, "--writeLogs", tmp_path / "logs")
    assert result_of(proc) == "['w0', 'w1']"
    files = log_files(tmp_path / "logs")
    assert sorted(files) == sorted(set(JOB_NAMES)), files
    assert len(files["worker"]) == 2
    for name in ("root", "busy", "summary"):
        assert f"stdout-of-{name}" in files[name][0].read_text()
    workers = sorted(path.read_text() for path in files["worker"])
    assert "stdout-of-w0" in workers[0] and "warning-of-w0" in workers[0] and "message-of-w0" in workers[0]
    assert "stdout-of-w1" in workers[1] and "w0" not in workers[1]  # each file holds its own job only
    assert not (tmp_path / "store").exists()  # --writeLogs does not keep the store


def test_write_logs_gzip(tmp_path: Path) -> None:
    proc = run_tree(tmp_path, "--writeLogsGzip", tmp_path / "logs")
    result_of(proc)
    paths = sorted((tmp_path / "logs").iterdir())
    assert len(paths) == len(JOB_NAMES)
    assert all(path.name.endswith(".log.gz") for path in paths)
    texts = [gzip.decompress(path.read_bytes()).decode() for path in paths]
    assert any("stdout-of-busy" in text for text in texts)


def test_write_logs_keeps_a_failed_jobs_log(tmp_path: Path) -> None:
    proc = run_script("reporting.py", tmp_path / "store", "--mode", "fail", "--dir", tmp_path, "--retryCount=0",
                      "--writeLogs", tmp_path / "logs", cwd=tmp_path)
    assert proc.returncode == 1
    files = log_files(tmp_path / "logs")
    (failed,) = files["breaker"]
    assert failed.name.endswith("_FAILED.log")
    assert "ValueError: breaker got 41" in failed.read_text()
    assert "source" in files and "root" in files


@pytest.mark.parametrize(("limit", "keeps_end"), [("1000", True), ("-1000", False)])
def test_max_log_file_size_truncates_kept_logs(tmp_path: Path, limit: str, keeps_end: bool) -> None:
    proc = run_tree(tmp_path, "--chatter", 20000, f"--maxLogFileSize={limit}", "--writeLogs", tmp_path / "logs")
    result_of(proc)
    for path in log_files(tmp_path / "logs")["worker"]:
        text = path.read_text()
        assert len(text) <= 1000
        assert ("end-of-w" in text) == keeps_end
        assert ("stdout-of-w" in text) != keeps_end


def test_max_log_file_size_zero_keeps_everything(tmp_path: Path) -> None:
    proc = run_tree(tmp_path, "--chatter", 100000, "--maxLogFileSize=0", "--writeLogs", tmp_path / "logs")
    result_of(proc)
    for path in log_files(tmp_path / "logs")["worker"]:
        text = path.read_text()
        assert len(text) > 100000 and "stdout-of-w" in text and "end-of-w" in text


def test_default_max_log_file_size_is_62_5_kib_like_toils(tmp_path: Path) -> None:
    proc = run_tree(tmp_path, "--chatter", 100000, "--writeLogs", tmp_path / "logs")
    result_of(proc)
    for path in log_files(tmp_path / "logs")["worker"]:
        assert len(path.read_bytes()) == 64000
        assert "end-of-w" in path.read_text()


# -- --noStdOutErr --------------------------------------------------------------------------------
def test_output_is_captured_into_the_job_log_by_default(tmp_path: Path) -> None:
    proc = run_tree(tmp_path, "--writeLogs", tmp_path / "logs")
    result_of(proc)
    assert "stdout-of-w0" not in proc.stdout + proc.stderr


def test_no_std_out_err_leaves_job_output_alone(tmp_path: Path) -> None:
    proc = run_tree(tmp_path, "--noStdOutErr", "--writeLogs", tmp_path / "logs")
    result_of(proc)
    assert "stdout-of-w0" in proc.stdout and "stdout-of-summary" in proc.stdout
    workers = [path.read_text() for path in log_files(tmp_path / "logs")["worker"]]
    assert all("stdout-of-w" not in text for text in workers)
    assert any("warning-of-w0" in text for text in workers)  # logging still goes to the job's log


def test_no_std_out_err_still_reports_why_a_job_failed(tmp_path: Path) -> None:
    proc = run_script("reporting.py", tmp_path / "store", "--mode", "fail", "--dir", tmp_path, "--retryCount=0",
                      "--noStdOutErr", cwd=tmp_path)
    assert proc.returncode == 1
    assert "ValueError: breaker got 41" in proc.stderr.splitlines()[-1]


def test_leader_prints_a_failed_jobs_log(tmp_path: Path) -> None:
    proc = run_script("reporting.py", tmp_path / "store", "--mode", "fail", "--dir", tmp_path, "--retryCount=0",
                      cwd=tmp_path)
    assert proc.returncode == 1
    assert "Log of the failed job 'breaker'" in proc.stderr
    assert "\tstdout-of-breaker" in proc.stderr


def test_write_logs_into_an_unusable_directory_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    proc = run_tree(tmp_path, "--writeLogs", tmp_path / "afile" / "sub")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("toil: error: Cannot write job logs to "), proc.stderr
    assert "Traceback" not in proc.stderr
