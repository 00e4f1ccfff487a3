"""Warm runners: forked workers that run one in-process job after another.

Forking a fresh child per job costs a few milliseconds on a virtual machine, mostly in
page faults as the child touches the interpreter's code and data again. A runner pays
that once: the zygote forks it, hands it jobs over a socket, and it reports each exit
code back. Between jobs it puts back the working directory, the environment,
``sys.argv``, its standard streams and signal handlers. It retires (exits, and the
zygote kills its process group) after a job that failed, after a job that left threads
or child processes behind, and after ``MAX_JOBS`` jobs, so nothing one job leaves can
pile up. Jobs that are shell commands never use runners.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from toil.batch.zygote_io import FrameReader, encode

InProcessFunction = Callable[[list[str]], int]
MAX_JOBS = 500


@dataclass
class Runner:
    """The zygote's view of one runner process."""

    pid: int
    sock: socket.socket
    reader: FrameReader = field(default_factory=FrameReader)
    batch_id: int | None = None  # the job it runs now
    started: float = 0.0
    retiring: bool = False  # will exit after its current job: never hand it another


def runner_loop(
    sock: socket.socket,
    functions: dict[str, InProcessFunction],
    call_job: Callable[[InProcessFunction, list[str]], int],
    load: Callable[[str], InProcessFunction],
) -> NoReturn:
    """Serve jobs from the zygote until told no more, or until one leaves a mess; never return."""
    home = os.getcwd()
    environment = dict(os.environ)
    argv = list(sys.argv)
    streams = (os.dup(1), os.dup(2))
    handlers: dict[int, Any] = {
        int(s): signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGUSR1)
    }
    reader = FrameReader()
    for count in range(1, MAX_JOBS + 1):
        message = _receive(sock, reader)
        if message is None:
            break
        batch_id, path, job_argv, set_env, unset_env, cwd = message
        code = 1
        try:
            _enter(set_env, unset_env, cwd)
            sys.argv = [path, *job_argv]
            code = call_job(functions.get(path) or load(path), job_argv)
        except BaseException:
            traceback.print_exc()
        finally:
            _leave(home, environment, argv, streams, handlers)
        again = code == 0 and count < MAX_JOBS and _left_clean()
        sock.sendall(encode(("done", batch_id, code, again)))
        if not again:
            break
    os._exit(0)


def _receive(sock: socket.socket, reader: FrameReader) -> Any:
    while True:
        data = sock.recv(1 << 16)
        if not data:
            return None
        messages = reader.feed(data)
        if messages:
            return messages[0]


def _enter(set_env: dict[str, str], unset_env: list[str], cwd: str | None) -> None:
    for name in unset_env:
        os.environ.pop(name, None)
    os.environ.update(set_env)
    if cwd is not None:
        os.chdir(cwd)


def _leave(
    home: str, environment: dict[str, str], argv: list[str], streams: tuple[int, int], handlers: dict[int, Any]
) -> None:
    """Put the process back as it was before the job."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os.dup2(streams[0], 1)
    os.dup2(streams[1], 2)
    with contextlib.suppress(OSError):
        os.chdir(home)
    os.environ.clear()
    os.environ.update(environment)
    sys.argv = argv
    for signum, handler in handlers.items():
        with contextlib.suppress(Exception):
            signal.signal(signum, handler)


def _left_clean() -> bool:
    """Tell whether the job left no threads and no child processes behind."""
    if threading.active_count() > 1:
        return False
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/children") as handle:
            return not handle.read().strip()
    except OSError:
        return False
