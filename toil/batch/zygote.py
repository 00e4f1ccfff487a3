"""The forked side of the single-machine batch system: a warm zygote that forks one child per job.

The zygote is forked from the leader when the batch system is built, so it has already imported
whatever the leader had (the engine, the user's module). For each job it ``os.fork()``s a child:
commands whose first word is registered as in-process call a Python function right in that child;
any other command is exec'd as ``/bin/sh -c command``. Every child leads its own process group so
a kill reaches everything it started.

The leader and the zygote talk over two pipes. A frame is a 4-byte big-endian length followed by
a pickled tuple (both ends are the same program, so pickle is safe here):

Requests, leader -> zygote::

    ("run", batch_id, command, set_env, unset_env, cwd)
                                      fork a child that runs command in directory cwd; its
                                      environment is the zygote's own (the leader's when it
                                      forked) with set_env applied and the unset_env names removed
    ("kill", [batch_id, ...])         SIGKILL those jobs' process groups, reap them, reply ("killed", ids)
    ("preload", [module, ...])        import modules now so later forks start warm (no reply)
    ("shutdown",)                     kill every job and exit

Replies, zygote -> leader::

    ("exited", batch_id, exit_status, wall_time, outcome)
                                                   status like subprocess's returncode: -N for signal N;
                                                   outcome: the bytes of the worker's JobOutcome when a
                                                   warm runner ran it (else None: it is in the store)
    ("killed", [batch_id, ...])                    the jobs and their process groups are gone
    ("error", batch_id, message)                   the job could not be started (fork failed)

The zygote never polls: it sleeps in ``selectors`` on the request pipe and on the
``signal.set_wakeup_fd`` pipe that SIGCHLD writes to. It stops, killing every job's process group,
when the request pipe reaches EOF (the leader is gone), on ``shutdown``, on SIGTERM, and on its
parent-death signal. It is a child subreaper, so the orphans of killed jobs are reparented to it
and reaped rather than left as zombies.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import selectors
import shlex
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any, NoReturn

from toil.batch.child import (
    PDEATH_SIGNAL,
    PR_SET_CHILD_SUBREAPER,
    PR_SET_PDEATHSIG,
    InProcessFunction,
    call_in_process,
    flush_stdio,
    load_function,
    prctl,
    prepare_child,
)
from toil.batch.runners import Runner, RunnerPool
from toil.batch.zygote_io import FrameReader, Message, encode

# How a job's surroundings differ from the zygote's: variables to set, names to unset, working directory.
EnvChange = tuple[dict[str, str], list[str], str | None]

_KILL_WAIT = 5.0  # seconds to wait for a killed job's process group to empty

# Leader-side pipe ends of every live zygote of this process: a new zygote closes them so that
# an older zygote still sees EOF when the leader dies.
_LEADER_FDS: set[int] = set()


@dataclass(frozen=True)
class ZygoteHandle:
    """The leader's end of a running zygote."""

    pid: int
    request_fd: int  # the leader writes requests here (blocking)
    reply_fd: int  # the leader reads replies here (non-blocking)


def spawn_zygote(in_process_commands: dict[str, str], reuse_workers: bool = True) -> ZygoteHandle:
    """Fork a zygote from this process; call it before this process starts threads."""
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    leader_pid = os.getpid()
    flush_stdio()
    pid = os.fork()
    if pid == 0:  # the zygote: never returns
        code = 1
        try:
            for fd in (request_w, reply_r, *_LEADER_FDS):
                with contextlib.suppress(OSError):
                    os.close(fd)
            zygote = Zygote(request_r, reply_w, leader_pid, in_process_commands)
            zygote.reuse = reuse_workers
            code = zygote.serve()
        except BaseException:
            traceback.print_exc()
        finally:
            flush_stdio()
            os._exit(code)
    os.close(request_r)
    os.close(reply_w)
    os.set_blocking(reply_r, False)
    _LEADER_FDS.update((request_w, reply_r))
    return ZygoteHandle(pid, request_w, reply_r)


def release_zygote(handle: ZygoteHandle) -> None:
    """Close the leader's ends of a zygote's pipes."""
    for fd in (handle.request_fd, handle.reply_fd):
        _LEADER_FDS.discard(fd)
        with contextlib.suppress(OSError):
            os.close(fd)


def _ignore_signal(signum: int, frame: Any) -> None:
    """Do nothing: the wakeup fd already told the zygote's loop which signal came."""


class Zygote(RunnerPool):
    """The zygote's state and loop: forks jobs, reaps them, kills them on request."""

    def __init__(self, request_fd: int, reply_fd: int, leader_pid: int, commands: dict[str, str]) -> None:
        self._request_fd = request_fd
        self._reply_fd = reply_fd
        self._leader_pid = leader_pid
        self._commands = dict(commands)
        self._functions: dict[str, InProcessFunction] = {}
        self._children: dict[int, tuple[int, float]] = {}  # pid -> (batch id, start time)
        self._pids: dict[int, int] = {}  # batch id -> pid (also the job's process group id)
        self._reader = FrameReader()
        self._outgoing = bytearray()
        self._watching_writes = False
        self._stopping = False
        self._signal_r, self._signal_w = os.pipe()
        self._selector = selectors.DefaultSelector()
        self._runners: dict[int, Runner] = {}  # pid -> runner (warm, reusable workers)
        self._runner_fds: dict[int, Runner] = {}  # socket fd -> runner
        self._idle: list[Runner] = []
        self.reuse = True

    def serve(self) -> int:
        """Run until told to stop or orphaned; return the zygote's exit code."""
        self._install_signals()
        prctl(PR_SET_PDEATHSIG, PDEATH_SIGNAL)
        if os.getppid() != self._leader_pid:  # the leader died before prctl took effect
            return 0
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        # Keep the cyclic collector of a job's child from touching (copying) every inherited object.
        gc.freeze()
        os.set_blocking(self._reply_fd, False)
        self._selector.register(self._request_fd, selectors.EVENT_READ)
        self._selector.register(self._signal_r, selectors.EVENT_READ)
        try:
            while not self._stopping:
                for key, _events in self._selector.select():
                    self._dispatch(key.fd)
                self._reap()
        finally:
            self._kill(list(self._pids))
            self._kill_runners()
        return 0

    def _install_signals(self) -> None:
        for fd in (self._signal_r, self._signal_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self._signal_w, warn_on_full_buffer=False)
        for signum in (signal.SIGCHLD, signal.SIGTERM, PDEATH_SIGNAL):
            signal.signal(signum, _ignore_signal)
        # Ctrl-C and hang-ups go to the leader, which shuts the zygote down in order.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def _dispatch(self, fd: int) -> None:
        if fd == self._signal_r:
            with contextlib.suppress(BlockingIOError):
                self._on_signals(os.read(fd, 512))
        elif fd == self._request_fd:
            data = os.read(fd, 1 << 16)
            if not data:  # the leader is gone
                self._stopping = True
            for message in self._reader.feed(data):
                self._handle(message)
        elif fd == self._reply_fd:
            self._flush()
        elif fd in self._runner_fds:
            self._on_runner_message(self._runner_fds[fd])

    def _on_signals(self, signums: bytes) -> None:
        for signum in signums:
            if signum == signal.SIGTERM or (signum == PDEATH_SIGNAL and os.getppid() != self._leader_pid):
                self._stopping = True

    def _handle(self, message: Message) -> None:
        if self._stopping:
            return
        kind = message[0]
        if kind == "run":
            self._start(message[1], message[2], (message[3], message[4], message[5]))
        elif kind == "kill":
            self._kill(message[1])
            self._send(("killed", message[1]))
        elif kind == "preload":
            for name in message[1]:
                with contextlib.suppress(Exception):
                    importlib.import_module(name)
            gc.freeze()
        elif kind == "shutdown":
            self._stopping = True

    def _call_in_process(self, command: str) -> tuple[InProcessFunction | None, str, list[str]] | None:
        """Return (warm function or None, its path, argv) when command is registered in-process."""
        words = command.split(None, 1)
        if not words or words[0] not in self._commands:
            return None
        path = self._commands[words[0]]
        if path not in self._functions:
            # Import here, before forking, so every later child starts warm. On failure the child
            # imports again and its traceback tells the user why.
            with contextlib.suppress(Exception):
                self._functions[path] = load_function(path)
            gc.freeze()
        return self._functions.get(path), path, shlex.split(command)[1:]

    def _start(self, batch_id: int, command: str, env: EnvChange) -> None:
        try:
            call = self._call_in_process(command)
        except ValueError as exc:  # shlex: unbalanced quotes
            self._send(("error", batch_id, f"cannot parse the command {command!r}: {exc}"))
            return
        if call is not None and self.reuse and self._run_in_runner(batch_id, call, env):
            return
        flush_stdio()
        zygote_pid = os.getpid()
        try:
            pid = os.fork()
        except OSError as exc:
            self._send(("error", batch_id, f"cannot fork a process for the job: {exc}"))
            return
        if pid == 0:
            run_job(command, env, call, self._zygote_fds(), zygote_pid)
        with contextlib.suppress(OSError):  # the child does the same; whoever is first wins the race
            os.setpgid(pid, pid)
        self._children[pid] = (batch_id, time.monotonic())
        self._pids[batch_id] = pid

    def _zygote_fds(self) -> list[int]:
        """Descriptors a forked child must close: the zygote's pipes and every runner's socket."""
        fds = [self._request_fd, self._reply_fd, self._signal_r, self._signal_w, self._selector.fileno()]
        return fds + list(self._runner_fds)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._on_exit(pid, status)

    def _on_exit(self, pid: int, status: int) -> None:
        runner = self._runners.get(pid)
        if runner is not None:
            self._drain_runner(runner)  # its last "done" may still be in the socket
            self._drop_runner(runner)
            batch_id = runner.batch_id
            if batch_id is not None and self._pids.get(batch_id) == pid:  # died in the middle of a job
                del self._pids[batch_id]
                code = os.waitstatus_to_exitcode(status)
                self._send(("exited", batch_id, code or 1, time.monotonic() - runner.started, None))
            return
        entry = self._children.pop(pid, None)
        if entry is None:  # an orphan we adopted as subreaper
            return
        batch_id, started = entry
        del self._pids[batch_id]
        # Whatever the job left running in its process group goes with it.
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        self._send(("exited", batch_id, os.waitstatus_to_exitcode(status), time.monotonic() - started, None))

    def _kill(self, batch_ids: list[int]) -> None:
        """SIGKILL the jobs' process groups and wait until the groups are empty; report nothing."""
        pids = [self._pids.pop(batch_id) for batch_id in batch_ids if batch_id in self._pids]
        for pid in pids:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        for pid in pids:
            runner = self._runners.get(pid)
            if runner is not None:
                self._drop_runner(runner)
            else:
                del self._children[pid]
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self._await_groups_gone(pids)

    def _await_groups_gone(self, groups: list[int]) -> None:
        deadline = time.monotonic() + _KILL_WAIT
        while groups and time.monotonic() < deadline:
            self._reap()  # killed grandchildren are reparented to us (subreaper)
            alive = []
            for group in groups:
                try:
                    os.killpg(group, signal.SIGKILL)
                    alive.append(group)
                except OSError:
                    pass
            groups = alive
            if groups:
                time.sleep(0.001)

    def _send(self, message: Message) -> None:
        self._outgoing += encode(message)
        self._flush()

    def _flush(self) -> None:
        """Write what the pipe takes now; the selector finishes the rest, so the zygote never blocks."""
        try:
            while self._outgoing:
                del self._outgoing[: os.write(self._reply_fd, self._outgoing)]
        except BlockingIOError:
            pass
        except BrokenPipeError:  # the leader is gone
            self._outgoing.clear()
            self._stopping = True
        want = bool(self._outgoing)
        if want != self._watching_writes:
            if want:
                self._selector.register(self._reply_fd, selectors.EVENT_WRITE)
            else:
                self._selector.unregister(self._reply_fd)
            self._watching_writes = want


def run_job(
    command: str,
    env: EnvChange,
    call: tuple[InProcessFunction | None, str, list[str]] | None,
    close: list[int],
    zygote_pid: int,
) -> NoReturn:
    """Become the job, in a freshly forked child of the zygote; never return."""
    code = 1
    try:
        prepare_child(close, zygote_pid)
        set_env, unset_env, cwd = env
        for name in unset_env:
            os.environ.pop(name, None)
        os.environ.update(set_env)
        if cwd is not None:
            os.chdir(cwd)
        if call is None:
            for signum in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)  # ignored signals would survive exec
            os.execve("/bin/sh", ["/bin/sh", "-c", command], os.environ)
        function, path, argv = call
        sys.argv = [command.split(None, 1)[0], *argv]
        code = call_in_process(function or load_function(path), argv)
    except BaseException:
        traceback.print_exc()
    finally:
        if "logging" in sys.modules:
            with contextlib.suppress(Exception):
                sys.modules["logging"].shutdown()
        flush_stdio()
        os._exit(code)


