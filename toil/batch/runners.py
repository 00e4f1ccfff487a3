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
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from toil.batch.child import InProcessFunction, call_in_process, flush_stdio, load_function, prepare_child
from toil.batch.zygote_io import FrameReader, Message, encode
from toil.core.worker import reuse_between_jobs, send_outcomes_to

EnvChange = tuple[dict[str, str], list[str], str | None]  # variables to set, names to unset, cwd
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
    outcomes: list[bytes] = []  # what the job's worker said it did: it travels with the exit code
    send_outcomes_to(outcomes.append)
    for count in range(1, MAX_JOBS + 1):
        message = _receive(sock, reader)
        if message is None:
            break
        outcomes.clear()
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
        sock.sendall(encode(("done", batch_id, code, again, outcomes[-1] if outcomes else None)))
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
    current = dict(os.environ)
    if current != environment:  # only what changed: clear() and update() call unsetenv and putenv for all
        for name in current.keys() - environment.keys():
            del os.environ[name]
        for name, value in environment.items():
            if current.get(name) != value:
                os.environ[name] = value
    sys.argv = argv
    for signum, handler in handlers.items():
        with contextlib.suppress(Exception):
            signal.signal(signum, handler)


THREAD_GRACE = 0.05  # seconds a job's threads get to end after it returned (a cancelled Timer)


def _left_clean() -> bool:
    """Tell whether the job left no threads and no child processes behind.

    A thread told to stop just before the job returned (cwltool cancels the Timer that watched
    the tool's memory) gets a moment to end, else every such job would cost a fresh runner.
    """
    deadline = time.monotonic() + THREAD_GRACE
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    if threading.active_count() > 1:
        return False
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/children") as handle:
            return not handle.read().strip()
    except OSError:
        return False


class RunnerPool:
    """The zygote's side of its runners: hand jobs out, hear back, replace the broken.

    Mixed into the zygote, whose selector, job table and reply channel it shares.
    """

    _selector: selectors.DefaultSelector
    _pids: dict[int, int]
    _functions: dict[str, InProcessFunction]
    _runners: dict[int, Runner]
    _runner_fds: dict[int, Runner]
    _idle: list[Runner]

    def _send(self, message: Message) -> None:
        raise NotImplementedError

    def _zygote_fds(self) -> list[int]:
        raise NotImplementedError

    def _run_in_runner(
        self, batch_id: int, call: tuple[InProcessFunction | None, str, list[str]], env: EnvChange
    ) -> bool:
        """Hand an in-process job to an idle runner (forking one if none is idle)."""
        runner = self._idle.pop() if self._idle else self._spawn_runner()
        if runner is None:
            return False
        _, path, argv = call
        set_env, unset_env, cwd = env
        try:
            runner.sock.sendall(encode((batch_id, path, argv, set_env, unset_env, cwd)))
        except OSError:
            self._drop_runner(runner)
            return False
        runner.batch_id, runner.started = batch_id, time.monotonic()
        self._pids[batch_id] = runner.pid
        return True

    def _spawn_runner(self) -> Runner | None:
        ours, theirs = socket.socketpair()
        flush_stdio()
        zygote_pid = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            ours.close()
            theirs.close()
            return None
        if pid == 0:
            code = 1
            try:
                ours.close()
                prepare_child(self._zygote_fds(), zygote_pid)
                reuse_between_jobs()
                runner_loop(theirs, self._functions, call_in_process, load_function)
            except BaseException:
                traceback.print_exc()
            finally:
                flush_stdio()
                os._exit(code)
        theirs.close()
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)
        runner = Runner(pid, ours)
        self._runners[pid] = runner
        self._runner_fds[ours.fileno()] = runner
        self._selector.register(ours.fileno(), selectors.EVENT_READ)
        return runner

    def _on_runner_message(self, runner: Runner) -> None:
        try:
            data = runner.sock.recv(1 << 16)
        except OSError:
            data = b""
        if not data:  # it is exiting; its exit is reaped through SIGCHLD
            self._selector.unregister(runner.sock.fileno())
            del self._runner_fds[runner.sock.fileno()]
            return
        for _, batch_id, code, again, outcome in runner.reader.feed(data):
            if self._pids.get(batch_id) != runner.pid:
                continue  # killed meanwhile: not reported
            del self._pids[batch_id]
            self._send(("exited", batch_id, code, time.monotonic() - runner.started, outcome))
            runner.batch_id = None
            if again:
                self._idle.append(runner)
            else:
                runner.retiring = True

    def _drain_runner(self, runner: Runner) -> None:
        if runner.batch_id is None or runner.sock.fileno() not in self._runner_fds:
            return
        runner.sock.setblocking(False)
        with contextlib.suppress(BlockingIOError, OSError):
            while runner.batch_id is not None and runner.sock.fileno() in self._runner_fds:
                self._on_runner_message(runner)

    def _drop_runner(self, runner: Runner) -> None:
        """Forget a runner (dead or killed) and kill whatever its process group still holds."""
        self._runners.pop(runner.pid, None)
        if runner in self._idle:
            self._idle.remove(runner)
        fd = runner.sock.fileno()
        if fd in self._runner_fds:
            self._selector.unregister(fd)
            del self._runner_fds[fd]
        runner.sock.close()
        with contextlib.suppress(OSError):
            os.killpg(runner.pid, signal.SIGKILL)

    def _kill_runners(self) -> None:
        for runner in list(self._runners.values()):
            self._drop_runner(runner)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(runner.pid, 0)
