"""Run one command and measure it: wall time, CPU (user + sys, waited-for children included), peak RSS.

CPU is the growth of this process's ``RUSAGE_CHILDREN`` over the run. The harness makes itself a
child subreaper, so a descendant orphaned by its parent (a daemon, a worker its parent never
waited for) is reparented here, reaped after the run and counted too: every process the command
started is in the figure, whoever it belonged to. Peak memory is ``ru_maxrss`` from ``os.wait4``
on the command (as ``/usr/bin/time -v`` reports it): the largest resident set of any one process
of the tree, not a sum. Run one command at a time: the figures are per process, not per command.

A container's processes are not the command's descendants: the engine's daemons start them. For
workloads that run containers, ``machine_cpu`` is the CPU the whole machine spent (every core's
non-idle time in ``/proc/stat``) over the same interval: the command's tree, the engine's daemons
and the containers, plus whatever else ran (on an otherwise idle machine, a few ms a second).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

_PR_SET_CHILD_SUBREAPER = 36
ORPHAN_GRACE = 5.0  # seconds a run's leftover processes get to finish before they are killed


def become_subreaper() -> None:
    """Adopt orphaned descendants (Linux), so that their CPU is counted; harmless if unsupported."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


@dataclass
class Measurement:
    wall: float  # seconds
    user: float  # CPU seconds, children included
    sys: float
    maxrss_kb: int  # peak resident set of the largest process in the tree
    returncode: int
    timed_out: bool = False
    machine_cpu: float | None = None  # CPU seconds of the whole machine over the run (see the module doc)

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def run_measured(
    command: list[str],
    cwd: str,
    env: dict[str, str],
    timeout: float,
    stdout_path: str,
    stderr_path: str,
    watch: Callable[[], bool] | None = None,
) -> Measurement:
    """Run command to its end (or until timeout, or until watch() says to stop: then SIGKILL its group)."""
    before, machine_before = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy()
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            timed_out = _wait_or_kill(process, start + timeout, watch)
        except BaseException:  # interrupted (Ctrl-C): take the run down with us, it is in its own session
            _kill_group(process.pid)
            raise
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
    _reap_orphans()  # what the command left running: waited for, then killed, and counted
    after, machine_after = resource.getrusage(resource.RUSAGE_CHILDREN), machine_busy()
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code  # keep Popen from waiting again
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    machine = None if machine_before is None or machine_after is None else machine_after - machine_before
    return Measurement(wall, user, system, usage.ru_maxrss, code, timed_out, machine)


def machine_busy() -> float | None:
    """Non-idle CPU seconds of every core since boot (/proc/stat); None where there is no such file."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:8]]  # user nice system idle iowait irq softirq
    except (OSError, ValueError):
        return None
    busy = sum(fields) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def _wait_or_kill(process: subprocess.Popen[bytes], deadline: float, watch: Callable[[], bool] | None) -> bool:
    """Wait (without reaping) until the process exits; kill its group on timeout or when watch() fires."""
    interval = 0.02 if watch is not None else 0.25
    while True:
        if _exited(process.pid):
            return False
        now = time.monotonic()
        if now >= deadline or (watch is not None and watch()):
            _kill_group(process.pid)
            return now >= deadline
        time.sleep(interval)


def _exited(pid: int) -> bool:
    """True once the child is a zombie (waitid with WNOWAIT leaves it for wait4 to reap)."""
    result = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return result is not None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _children() -> list[int]:
    pids: list[int] = []
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/children") as f:
            pids.extend(int(p) for p in f.read().split())
    return pids


def _reap_orphans() -> None:
    """Wait for adopted leftovers (killing them after ORPHAN_GRACE seconds) so their usage is counted."""
    deadline = time.monotonic() + ORPHAN_GRACE
    while _children():
        with contextlib.suppress(ChildProcessError):
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid:
                continue
        if time.monotonic() >= deadline:
            for pid in _children():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
