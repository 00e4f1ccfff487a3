"""The status line on a terminal (a real pseudo-terminal), and the log's summaries elsewhere.

Each test runs ``scripts/progress_jobs.py`` (a root, 8 children that log to the leader and take a
moment, a follow-on: 10 jobs) as a user would. On a terminal the output is cut where rich moves
the cursor back (carriage returns) and stripped of its escape codes: each piece is then either a
whole log line or a whole status line, never a mix.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.support import run_script, script_command

pytestmark = pytest.mark.integration

JOBS = 10  # the root, 8 children, the follow-on
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STATUS = re.compile(
    r"^\S{20} (?P<done>\d+) of (?P<known>\d+)(?P<growing>\+?) jobs done · (?P<running>\d+) running · "
    r"(?P<queued>\d+) queued · (?P<failed>\d+) failed( · \d+ to retry)? · cores [\d.]+/[\d.]+ · "
    r"memory [\d.]+ \S+/[\d.]+ \S+ · \d+:\d\d:\d\d$")
LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+\] \[\w+\] \[[A-Z]\] \[[\w.-]+\] ")
SUMMARY = re.compile(r"Progress( at the end)?: (?P<done>\d+) of (?P<known>\d+)(?P<growing>\+?) jobs done, "
                     r"(?P<running>\d+) running, (?P<queued>\d+) queued, (?P<failed>\d+) failed")


@dataclass
class TerminalRun:
    returncode: int
    stdout: str
    pieces: list[str]  # the terminal's output cut at line ends and carriage returns, without escape codes

    def statuses(self) -> list[re.Match[str]]:
        """Every drawing of the status line; a piece that has its words must be the whole line."""
        found = []
        for piece in self.pieces:
            if "jobs done ·" in piece:
                match = STATUS.match(piece)
                assert match is not None, f"a status line mixed with something else: {piece!r}"
                found.append(match)
        return found


def run_on_terminal(tmp_path: Path, *options: object, timeout: float = 120) -> TerminalRun:
    """Run the script with its stderr on a pseudo-terminal 200 columns wide and its stdout on a pipe."""
    command, env = script_command("progress_jobs.py", tmp_path / "store", *options)
    env.update(TERM="xterm-256color", COLUMNS="200", LINES="50")
    for name in ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR", "FORCE_COLOR"):  # what rich reads of a terminal
        env.pop(name, None)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=slave)
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            data = b""
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every writer has closed the terminal
                    break
            output += data
            if proc.poll() is not None and not data:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 0.5:
                    break
        else:
            proc.kill()
            pytest.fail(f"the run did not end in {timeout} s; output:\n{output.decode(errors='replace')}")
    finally:
        os.close(master)
    stdout, _ = proc.communicate(timeout=30)
    text = output.decode(errors="replace")
    pieces = [ESCAPE.sub("", piece) for piece in re.split(r"\r\n|\r|\n", text)]
    return TerminalRun(proc.returncode, stdout.decode(errors="replace"), [p for p in pieces if p.strip()])


def counts(match: re.Match[str]) -> dict[str, int | bool]:
    values: dict[str, int | bool] = {key: int(match[key]) for key in ("done", "known", "running", "queued", "failed")}
    values["growing"] = match["growing"] == "+"
    return values


def test_the_status_line_updates_ends_right_and_keeps_out_of_the_log_file(tmp_path: Path) -> None:
    log_file = tmp_path / "leader.log"
    run = run_on_terminal(tmp_path, "--logFile", log_file)
    assert run.returncode == 0, "\n".join(run.pieces)
    assert run.stdout.strip() == "RESULT sum=28", run.stdout
    drawn = [counts(match) for match in run.statuses()]
    done = [line["done"] for line in drawn]
    assert done == sorted(done), done
    assert any(0 < d < JOBS for d in done), f"no drawing while the run was under way: {done}"
    assert any(line["growing"] for line in drawn), "the total never said it may still grow"
    assert drawn[-1] == {"done": JOBS, "known": JOBS, "running": 0, "queued": 0, "failed": 0, "growing": False}
    # The jobs' messages reached the terminal as whole log lines, above the status line.
    for i in range(8):
        hello = [p for p in run.pieces if f"child {i} says hello" in p]
        assert len(hello) == 1 and LOG_LINE.match(hello[0]) and hello[0].endswith(f"child {i} says hello"), hello
    logged = log_file.read_text()
    assert "child 7 says hello" in logged and "Finished the workflow" in logged
    assert "jobs done" not in logged and "\x1b" not in logged and "━" not in logged


def test_a_failed_job_is_counted_on_the_last_line(tmp_path: Path) -> None:
    run = run_on_terminal(tmp_path, "--fail", "3", "--retryCount", "0")
    assert run.returncode != 0
    assert any("child 3 fails on purpose" in piece for piece in run.pieces)
    # root and 7 children ran; the follow-on never could
    assert counts(run.statuses()[-1]) == {"done": JOBS - 2, "known": JOBS, "running": 0, "queued": 0, "failed": 1,
                                          "growing": False}


def test_disable_progress_on_a_terminal_logs_summaries_instead(tmp_path: Path) -> None:
    run = run_on_terminal(tmp_path, "--disableProgress", "--progressInterval", "0.2")
    assert run.returncode == 0, "\n".join(run.pieces)
    assert run.statuses() == []
    assert not any("━" in piece for piece in run.pieces)
    last = [SUMMARY.search(piece) for piece in run.pieces if "Progress at the end" in piece]
    assert len(last) == 1 and last[0] is not None
    assert counts(last[0]) == {"done": JOBS, "known": JOBS, "running": 0, "queued": 0, "failed": 0,
                               "growing": False}


def test_into_a_pipe_no_status_line_but_a_summary_every_interval(tmp_path: Path) -> None:
    proc = run_script("progress_jobs.py", tmp_path / "store", "--progressInterval", "0.2", cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stderr + proc.stdout and "━" not in proc.stderr and "jobs done ·" not in proc.stderr
    summaries = [match for match in map(SUMMARY.search, proc.stderr.splitlines()) if match]
    assert len(summaries) >= 3, proc.stderr  # at least two on the way (a run of several 0.2 s intervals), the last
    done = [int(match["done"]) for match in summaries]
    assert done == sorted(done) and any(0 < d < JOBS for d in done), proc.stderr
    assert summaries[-1][1] == " at the end"
    assert counts(summaries[-1]) == {"done": JOBS, "known": JOBS, "running": 0, "queued": 0, "failed": 0,
                                     "growing": False}


def test_the_default_interval_keeps_a_short_run_quiet(tmp_path: Path) -> None:
    proc = run_script("progress_jobs.py", tmp_path / "store", "--width", "2", cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Progress" not in proc.stderr, proc.stderr
