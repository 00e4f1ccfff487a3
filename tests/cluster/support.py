"""Helpers for the cluster tests: running workflow scripts, counting scheduler commands."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

SCRIPTS = Path(__file__).resolve().parent / "scripts"
WORKFLOW_TIMEOUT = 600
T = TypeVar("T")


def run_workflow(tmp_path: Path, script: Path, *args: str, env: dict[str, str] | None = None,
                 background: bool = False) -> Any:
    """Run a workflow script with its job store and work dir under tmp_path (a shared path here)."""
    argv = [sys.executable, str(script), str(tmp_path / "js"), "--workDir", str(tmp_path / "work"),
            "--batchLogsDir", str(tmp_path / "batch-logs"), *args]
    environment = {**os.environ, **(env or {})}
    if background:
        return subprocess.Popen(argv, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    done = subprocess.run(argv, cwd=tmp_path, env=environment, capture_output=True, text=True,
                          timeout=WORKFLOW_TIMEOUT, check=False)
    assert done.returncode == 0, f"workflow failed ({done.returncode}):\n{done.stderr[-5000:]}"
    return done


def wait_for(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    """Call probe until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def counting_wrappers(directory: Path, log: Path, commands: list[str]) -> Path:
    """Scripts that log their own name to log and run the real command; put directory first on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in commands:
        real = subprocess.run(["sh", "-c", f"command -v {name}"], capture_output=True, text=True, check=True)
        wrapper = directory / name
        wrapper.write_text(f'#!/bin/sh\necho {name} >> "{log}"\nexec {real.stdout.strip()} "$@"\n')
        wrapper.chmod(0o755)
    return directory


def read_counts(log: Path) -> dict[str, int]:
    return dict(Counter(log.read_text().split())) if log.exists() else {}


def squeue_active() -> list[str]:
    """Slurm jobs still pending, running or completing (id and name)."""
    done = subprocess.run(["squeue", "--noheader", "--states=PENDING,RUNNING,COMPLETING,CONFIGURING,SUSPENDED",
                           "--format=%i %j"], capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if line.strip()]


@contextlib.contextmanager
def stopped_at_exit(leader: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """Make sure a background leader is gone after the test, failed or not (SIGTERM cancels its jobs)."""
    try:
        yield leader
    finally:
        if leader.poll() is None:
            leader.terminate()
            try:
                leader.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                leader.kill()
                leader.communicate()
