"""The default batch system: run jobs on this machine, forked from a warm zygote process.

Building the batch system forks a zygote (see ``toil.batch.zygote``) from the constructing
process, so construct it early, before the leader starts threads, in a thread that lives as long
as the batch system (the main thread). Linux only: it relies on ``os.fork``; there is no
fallback for platforms without fork.

Scheduling: jobs wait in one FIFO queue and start when cores, memory, disk and accelerators
allow. A job that fits may start ahead of an older job that does not (backfill), but only
``max_overtakes`` times (default ``MAX_OVERTAKES``): after that the oldest blocked job reserves
the machine and nothing else starts until it has, so a big job waits behind a bounded number of
small ones. Only the first ``SCAN_WINDOW`` queued jobs are considered per pass. Jobs start only
while the leader is inside one of this object's methods; ``getUpdatedBatchJob`` is where that
normally happens.

Exit statuses follow ``subprocess``: a job killed by signal N reports ``-N``. A zero status is
``BatchJobExitReason.FINISHED``, any other ``FAILED``; jobs lost because the zygote died are
reported ``LOST`` with status 255 (a new zygote is forked for later jobs).

In-process commands (``IN_PROCESS_COMMANDS``, or the ``in_process_commands`` argument) inherit
the leader's state as it was when the zygote forked (modules, globals, logging handlers, open
fds) and end with ``os._exit``: atexit handlers and finalizers do not run, only stdio and logging
are flushed. When a job's own process exits, whatever it left in its process group is killed;
a process that calls ``setsid`` escapes both that and ``killBatchJobs``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import os
import selectors
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass

from toil.batch.machine import free_disk, machine_cores, machine_memory, visible_gpus
from toil.batch.zygote import ZygoteHandle, release_zygote, spawn_zygote
from toil.batch.zygote_io import FrameReader, Message, encode
from toil.core import optiontypes
from toil.core.batchsystem import (
    AbstractBatchSystem,
    BatchJobExitReason,
    BatchJobSpec,
    BatchSystemError,
    BatchSystemSettings,
    InsufficientSystemResources,
    UpdatedBatchJobInfo,
)
from toil.core.requirements import bytes2human

logger = logging.getLogger(__name__)

# Commands whose first word is one of these names run as a function call inside the forked child
# (no exec, no Python start-up): name -> "module:function", the function taking the remaining
# words of the command (split with shlex) and returning an exit code.
IN_PROCESS_COMMANDS: dict[str, str] = {"_toil_worker": "toil.core.worker:main"}

MAX_OVERTAKES = 64  # later jobs that may start ahead of the oldest blocked one
SCAN_WINDOW = 128  # queued jobs looked at per scheduling pass, to bound its cost
LOST_EXIT_STATUS = 255
_EPSILON = 1e-9


@dataclass
class Resources:
    """An amount of each resource this batch system accounts for."""

    cores: float
    memory: int
    disk: int
    accelerators: int

    def fits_in(self, other: Resources) -> bool:
        return (
            self.cores <= other.cores + _EPSILON
            and self.memory <= other.memory
            and self.disk <= other.disk
            and self.accelerators <= other.accelerators
        )

    def take(self, need: Resources) -> None:
        self.cores -= need.cores
        self.memory -= need.memory
        self.disk -= need.disk
        self.accelerators -= need.accelerators

    def give(self, need: Resources) -> None:
        self.cores += need.cores
        self.memory += need.memory
        self.disk += need.disk
        self.accelerators += need.accelerators


@dataclass
class _Job:
    batch_id: int
    spec: BatchJobSpec
    need: Resources
    started: float = 0.0
    overtaken: int = 0


class _EnvironmentDiff:
    """Tell how a job's environment differs from the zygote's, which is os.environ when it forked.

    Only the difference goes over the pipe. It is recomputed only when os.environ or setEnv
    changed, which CPython lets us see cheaply by comparing its raw bytes dict.
    """

    def __init__(self) -> None:
        self._base = dict(os.environ)
        self._raw: object = None
        self._extra: dict[str, str] = {}
        self._set: dict[str, str] = {}
        self._unset: list[str] = []

    def for_job(self, extra: dict[str, str], job_env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
        """Return the variables to set and the names to unset for a job."""
        raw = getattr(os.environ, "_data", None)
        if raw is None or raw != self._raw or extra != self._extra:
            env = dict(os.environ)
            env.update(extra)
            self._set = {name: value for name, value in env.items() if self._base.get(name) != value}
            self._unset = [name for name in self._base if name not in env]
            self._raw = None if raw is None else dict(raw)
            self._extra = dict(extra)
        if not job_env:
            return self._set, self._unset
        return {**self._set, **job_env}, [name for name in self._unset if name not in job_env]


def _limit(name: str, wanted: float | None, available: float, show: str) -> float:
    if wanted is None:
        return available
    if wanted > available:
        logger.warning("--max%s asks for %s but this machine only has %s; using %s.", name, wanted, show, show)
        return available
    return wanted


def add_options(parser: argparse.ArgumentParser) -> None:
    """The single-machine batch system's options (also what the plugin registry calls)."""
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="Multiply every job's cores by this factor on the single-machine batch system (default 1).",
    )
    parser.add_argument(
        "--workerReuse",
        type=optiontypes.boolean,
        nargs="?",
        const=True,
        default=True,
        metavar="BOOL",
        help="Run Python jobs one after another in warm worker processes instead of forking one per job "
        "(default true; a worker is replaced after a failed job or one that leaves threads or processes).",
    )


class SingleMachineBatchSystem(AbstractBatchSystem):
    """Run jobs as children of a warm zygote on this machine, within its resources."""

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        add_options(parser)

    @classmethod
    def runs_jobs_here(cls) -> bool:
        return True

    def __init__(
        self,
        settings: BatchSystemSettings,
        in_process_commands: dict[str, str] | None = None,
        *,
        max_overtakes: int = MAX_OVERTAKES,
        reuse_workers: bool | None = None,
    ) -> None:
        self.environment: dict[str, str] = {}
        if reuse_workers is None:
            reuse_workers = bool(getattr(settings.options, "workerReuse", True))
        self._reuse_workers = reuse_workers
        self._max_overtakes = max_overtakes
        self._scale = float(getattr(settings.options, "scale", 1.0) or 1.0)
        cores, memory, disk = machine_cores(), machine_memory(), free_disk(settings.work_dir)
        self.limits = Resources(
            cores=_limit("Cores", settings.max_cores, cores, f"{cores:g} cores"),
            memory=int(_limit("Memory", settings.max_memory, memory, bytes2human(memory))),
            disk=int(_limit("Disk", settings.max_disk, disk, f"{bytes2human(disk)} free")),
            accelerators=visible_gpus(),
        )
        self._free = Resources(**vars(self.limits))
        self._commands = dict(IN_PROCESS_COMMANDS if in_process_commands is None else in_process_commands)
        self._queue: dict[int, _Job] = {}  # insertion-ordered: the FIFO queue
        self._running: dict[int, _Job] = {}
        self._updates: deque[UpdatedBatchJobInfo] = deque()
        self._ids = itertools.count()
        self._lock = threading.RLock()
        self._pending_kill_acks = 0
        self._closed = False
        self._reader = FrameReader()
        self._selector = selectors.DefaultSelector()
        self._zygote: ZygoteHandle | None = None
        self._zygote_env = _EnvironmentDiff()
        self._spawn()

    # ------------------------------------------------------------------ the contract

    def check_resource_request(self, spec: BatchJobSpec) -> None:
        self._check(spec, self._need(spec))

    def issueBatchJob(self, spec: BatchJobSpec) -> int:
        need = self._need(spec)
        self._check(spec, need)
        with self._lock:
            if self._closed:
                raise BatchSystemError("The single-machine batch system was shut down; it cannot run more jobs.")
            batch_id = next(self._ids)
            self._queue[batch_id] = _Job(batch_id, spec, need)
            self._read_replies()
            if need.fits_in(self._free):
                self._schedule()
            return batch_id

    def killBatchJobs(self, jobIDs: list[int]) -> None:
        doomed = set(jobIDs)
        with self._lock:
            running = []
            for batch_id in doomed:
                if self._queue.pop(batch_id, None) is None and batch_id in self._running:
                    self._release(self._running.pop(batch_id))
                    running.append(batch_id)
            if any(update.jobID in doomed for update in self._updates):
                self._updates = deque(update for update in self._updates if update.jobID not in doomed)
            if running and self._zygote is not None:
                self._send(("kill", running))
                self._pending_kill_acks += 1
                self._await_kill_acks()
            self._schedule()

    def resource_limits(self) -> tuple[float | None, int | None]:
        return self.limits.cores, self.limits.memory

    def getIssuedBatchJobIDs(self) -> list[int]:
        with self._lock:
            self._pump()
            return [*self._queue, *self._running, *(update.jobID for update in self._updates)]

    def getRunningBatchJobIDs(self) -> dict[int, float]:
        with self._lock:
            self._pump()
            now = time.monotonic()
            return {batch_id: now - job.started for batch_id, job in self._running.items()}

    def getUpdatedBatchJob(self, maxWait: float) -> UpdatedBatchJobInfo | None:
        deadline = time.monotonic() + max(0.0, maxWait)
        while True:
            with self._lock:
                self._pump()
                if self._updates or self._closed:
                    return self._updates.popleft() if self._updates else None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._selector.select(remaining)  # until the zygote has news (or the time is up)

    def shutdown(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.clear()
            self._running.clear()
            self._stop_zygote()
            self._selector.close()
            self._free = Resources(**vars(self.limits))

    @property
    def zygote_pid(self) -> int | None:
        """Return the process id of the zygote that forks the jobs (None after shutdown)."""
        return None if self._zygote is None else self._zygote.pid

    def preload(self, modules: list[str]) -> None:
        """Import modules in the zygote now (best effort), so every later job starts with them loaded."""
        with self._lock:
            if self._zygote is not None:
                self._send(("preload", list(modules)))

    # ------------------------------------------------------------------ resources and scheduling

    def _need(self, spec: BatchJobSpec) -> Resources:
        requirements = spec.requirements
        return Resources(
            cores=requirements.cores * self._scale,
            memory=requirements.memory,
            disk=requirements.disk,
            accelerators=requirements.accelerator_count,
        )

    def _check(self, spec: BatchJobSpec, need: Resources) -> None:
        name = spec.name or spec.job_id
        limits = self.limits
        if need.cores > limits.cores + _EPSILON:
            raise InsufficientSystemResources(name, "cores", f"{need.cores:g}", f"{limits.cores:g}")
        if need.memory > limits.memory:
            raise InsufficientSystemResources(name, "memory", bytes2human(need.memory), bytes2human(limits.memory))
        if need.disk > limits.disk:
            raise InsufficientSystemResources(name, "disk", bytes2human(need.disk), bytes2human(limits.disk))
        if need.accelerators > limits.accelerators:
            raise InsufficientSystemResources(name, "accelerators", need.accelerators, limits.accelerators)

    def _schedule(self) -> None:
        """Start queued jobs that fit, oldest first, with bounded backfill around a blocked one."""
        startable: list[_Job] = []
        blocked: _Job | None = None
        for job in itertools.islice(self._queue.values(), SCAN_WINDOW):
            if job.need.fits_in(self._free):
                self._free.take(job.need)
                startable.append(job)
                if blocked is not None:
                    blocked.overtaken += 1
                    if blocked.overtaken >= self._max_overtakes:
                        break
            elif blocked is None:
                blocked = job
                if blocked.overtaken >= self._max_overtakes:
                    break
        for job in startable:
            self._start(job)

    def _release(self, job: _Job) -> None:
        """Give back what a job that no longer runs held."""
        if self._running:
            self._free.give(job.need)
        else:  # start afresh, so rounding in fractional cores never accumulates
            self._free = Resources(**vars(self.limits))

    def _start(self, job: _Job) -> None:
        del self._queue[job.batch_id]
        if self._zygote is None:
            self._spawn()
        set_env, unset_env = self._zygote_env.for_job(self.environment, job.spec.environment)
        job.started = time.monotonic()
        self._running[job.batch_id] = job
        try:
            cwd: str | None = os.getcwd()
        except OSError:  # the leader's directory was removed: stay where the zygote is
            cwd = None
        self._send(("run", job.batch_id, job.spec.command, set_env, unset_env, cwd))

    # ------------------------------------------------------------------ talking to the zygote

    def _spawn(self) -> None:
        if threading.active_count() > 1:
            logger.debug("Forking the single-machine zygote while this process runs threads.")
        self._zygote_env = _EnvironmentDiff()
        self._zygote = spawn_zygote(self._commands, reuse_workers=self._reuse_workers)
        self._selector.register(self._zygote.reply_fd, selectors.EVENT_READ)

    def _send(self, message: Message) -> None:
        assert self._zygote is not None
        data = memoryview(encode(message))
        try:
            while data:
                data = data[os.write(self._zygote.request_fd, data) :]
        except BrokenPipeError:
            self._on_zygote_lost()

    def _pump(self) -> None:
        """Take in what the zygote reported and start what now fits."""
        if self._read_replies():
            self._schedule()

    def _read_replies(self) -> bool:
        """Read every reply available now; return True when some arrived."""
        got = False
        while self._zygote is not None:
            try:
                data = os.read(self._zygote.reply_fd, 1 << 16)
            except BlockingIOError:
                break
            if not data:
                self._on_zygote_lost()
                return True
            got = True
            for message in self._reader.feed(data):
                self._on_reply(message)
        return got

    def _on_reply(self, message: Message) -> None:
        kind = message[0]
        if kind == "exited":
            self._finish(message[1], message[2], message[3], outcome=message[4])
        elif kind == "killed":
            self._pending_kill_acks -= 1
        elif kind == "error":
            logger.error("Could not start batch job %s: %s", message[1], message[2])
            self._finish(message[1], 1, 0.0, BatchJobExitReason.ERROR)

    def _finish(self, batch_id: int, status: int, wall_time: float, reason: BatchJobExitReason | None = None,
                outcome: bytes | None = None) -> None:
        job = self._running.pop(batch_id, None)
        if job is None:  # killed since: not reported
            return
        self._release(job)
        if reason is None:
            reason = BatchJobExitReason.FINISHED if status == 0 else BatchJobExitReason.FAILED
        self._updates.append(UpdatedBatchJobInfo(batch_id, status, reason, wall_time, outcome))

    def _await_kill_acks(self) -> None:
        while self._pending_kill_acks > 0 and self._zygote is not None:
            self._read_replies()
            if self._pending_kill_acks > 0 and self._zygote is not None:
                with selectors.DefaultSelector() as selector:
                    selector.register(self._zygote.reply_fd, selectors.EVENT_READ)
                    selector.select(1.0)

    def _on_zygote_lost(self) -> None:
        """Report the running jobs lost; the next job forks a new zygote."""
        logger.error("The single-machine batch system's zygote died; %d running jobs are lost.", len(self._running))
        self._close_zygote(kill=True)
        now = time.monotonic()
        for batch_id, job in self._running.items():
            self._free.give(job.need)
            self._updates.append(
                UpdatedBatchJobInfo(batch_id, LOST_EXIT_STATUS, BatchJobExitReason.LOST, now - job.started)
            )
        self._running.clear()
        self._pending_kill_acks = 0

    def _stop_zygote(self) -> None:
        """Ask the zygote to kill its jobs and exit, and wait for it (SIGKILL after 10 s)."""
        if self._zygote is None:
            return
        with contextlib.suppress(OSError):
            os.write(self._zygote.request_fd, encode(("shutdown",)))
        deadline = time.monotonic() + 10.0
        with selectors.DefaultSelector() as selector:
            selector.register(self._zygote.reply_fd, selectors.EVENT_READ)
            while time.monotonic() < deadline:  # EOF on the reply pipe: the zygote has exited
                selector.select(deadline - time.monotonic())
                with contextlib.suppress(BlockingIOError):
                    if not os.read(self._zygote.reply_fd, 1 << 16):
                        break
        self._close_zygote(kill=time.monotonic() >= deadline)

    def _close_zygote(self, kill: bool) -> None:
        zygote = self._zygote
        if zygote is None:
            return
        self._zygote = None
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(zygote.reply_fd)
        if kill:
            with contextlib.suppress(OSError):
                os.kill(zygote.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(zygote.pid, 0)
        release_zygote(zygote)
        self._reader = FrameReader()

