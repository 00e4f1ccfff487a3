"""The executor of a run, seen from the runners: the command that starts it, and what ends a run it lost."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

from toil.server import processes
from toil.server.states import State
from toil.server.store import StateStore


def executor_command(store: StateStore, work_dir: Path, run_id: str) -> list[str]:
    return [sys.executable, "-m", "toil.server.executor", store.locator, str(work_dir), run_id]


def settle_lost_run(store: StateStore, work_dir: Path, run_id: str, why: str) -> None:
    """End a run whose executor is gone, and stop what it left running.

    It ends in SYSTEM_ERROR, or CANCELED when it was being canceled anyway.
    """
    child = store.read(run_id, "child")
    if processes.alive(child):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(int(child["pid"]), signal.SIGKILL)
    if processes.alive(store.read(run_id, "executor")) is not None:  # same host: find the strays
        processes.kill_all(processes.processes_in(str(work_dir / run_id)))
    log = store.read(run_id, "log") or {"name": run_id, "cmd": [], "system_logs": []}
    log.setdefault("system_logs", []).append(f"toil server: {why}")
    if not store.move(run_id, State.CANCELED, only_from=frozenset({State.CANCELING}), also={"log": log}):
        store.move(run_id, State.SYSTEM_ERROR, also={"log": log})
