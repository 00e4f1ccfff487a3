"""Process bookkeeping for the executor: find, stop and recognise processes (Linux, via /proc)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import time
from typing import Any

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Adopt our orphaned descendants, so that nothing a workflow starts can escape a cancel."""
    # Not on Linux: the process group still catches what stays in it.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ')'
    return [str(pid), "comm", *text[text.rindex(")") + 2:].split()]


def start_ticks(pid: int) -> int | None:
    """When a process started (clock ticks after boot), to tell it from a later one with its pid."""
    fields = _stat(pid)
    return int(fields[21]) if fields else None


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and fields[2] != "Z":
                children.setdefault(int(fields[3]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal_all(pgid: int | None, pids: set[int], sig: int) -> None:
    if pgid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def reap_zombies(keep: int | None = None) -> None:
    """Collect the exit status of ended children (adopted orphans), except ``keep``'s."""
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != keep:
            fields = _stat(int(entry))
            if fields and fields[2] == "Z" and fields[3] == me:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(int(entry), os.WNOHANG)


def stop_tree(pgid: int | None, grace: float = 5.0) -> None:
    """SIGTERM the group ``pgid`` and all our descendants; SIGKILL whatever is left after ``grace``.

    The group leader (our child, pid ``pgid``) is left for its Popen to collect.
    """
    me = os.getpid()
    _signal_all(pgid, descendants(me), signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        reap_zombies(keep=pgid)
        if not descendants(me):
            return
        time.sleep(0.1)
    _signal_all(pgid, descendants(me), signal.SIGKILL)
    for _ in range(50):
        reap_zombies(keep=pgid)
        if not descendants(me):
            return
        time.sleep(0.1)


def identity(pid: int | None = None) -> dict[str, Any]:
    """A record that lets another process on this host tell whether ``pid`` still runs."""
    pid = os.getpid() if pid is None else pid
    return {"pid": pid, "host": socket.gethostname(), "start": start_ticks(pid)}


def alive(record: dict[str, Any] | None) -> bool | None:
    """Whether the process ``record`` names still runs; None when it is on another host."""
    if not record:
        return None
    if record.get("host") != socket.gethostname():
        return None
    ticks = start_ticks(int(record["pid"]))
    if ticks is None:
        return False
    fields = _stat(int(record["pid"]))
    if fields and fields[2] == "Z":
        return False
    return record.get("start") in (None, ticks)


def processes_in(directory: str) -> list[int]:
    """Processes working in ``directory`` or with it in their environment (a run's TMPDIR): a lost run's strays."""
    found = []
    mark = directory.rstrip("/") + "/"
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd") + "/"
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read().decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(mark) or any(value.partition("=")[2].startswith(mark) for value in environ.split("\0")):
            found.append(int(entry))
    return found


def kill_all(pids: list[int]) -> None:
    _signal_all(None, set(pids), signal.SIGKILL)
