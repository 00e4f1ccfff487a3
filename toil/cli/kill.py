"""``toil kill JOBSTORE``: stop a running workflow's leader and every job it started."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time

from toil.cli.common import open_store
from toil.core import control
from toil.core.jobstore import AbstractJobStore

POLL = 0.1


def _wait(done: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():  # type: ignore[operator]
            return True
        time.sleep(POLL)
    return bool(done())  # type: ignore[operator]


def _stop_local(info: control.LeaderInfo, timeout: float) -> str:
    """Wait for a leader on this host to stop after SIGTERM; SIGKILL it when it does not."""
    if _wait(lambda: not control.pid_alive(info.pid), timeout):
        return f"Stopped the leader (pid {info.pid}) and its jobs."
    with contextlib.suppress(ProcessLookupError):
        os.kill(info.pid, signal.SIGKILL)  # its jobs die with it (their parent-death signal)
    _wait(lambda: not control.pid_alive(info.pid), 5.0)
    return f"The leader (pid {info.pid}) did not stop within {timeout:g} s of SIGTERM and was killed (SIGKILL)."


def _stop_remote(store: AbstractJobStore, info: control.LeaderInfo, timeout: float) -> tuple[bool, str]:
    if _wait(lambda: control.read_leader(store) != info, timeout):
        return True, f"Stopped the leader on {info.host} (pid {info.pid})."
    return False, (f"Asked the leader on {info.host} (pid {info.pid}) to stop; it has not stopped yet. It looks "
                   f"for the kill flag every --kill_polling_interval seconds.")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("kill", help="Stop a running workflow: its leader and every job it started.")
    parser.add_argument("jobStore", help="The job store of the running workflow.")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="Seconds to wait for the leader to stop before killing it outright (default 30).")
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    store = open_store(options.jobStore)
    info = control.request_kill(store)
    if info is None:
        print(f"No leader is running the workflow in {options.jobStore}; nothing to kill.", file=sys.stderr)
        return 0
    if info.is_local():
        print(_stop_local(info, options.timeout), file=sys.stderr)
        return 0
    stopped, message = _stop_remote(store, info, options.timeout)
    print(message, file=sys.stderr)
    return 0 if stopped else 1
