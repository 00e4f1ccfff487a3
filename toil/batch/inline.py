"""The ``inline`` batch system: a test double that runs each job inside the leader's process.

Jobs wait in a FIFO queue and run one at a time, to their end, inside ``getUpdatedBatchJob``,
which then reports that job. The worker command ``_toil_worker JOBNAME JOBSTORE JOBID`` runs
as a call of the worker (``toil.core.worker.run_chain``) in this process: no fork, no exec, no
log file, so a leader on the ``memory:`` job store runs a whole workflow without a disk. Any
other command runs with ``/bin/sh -c`` (a child process, for the batch-system contract's
commands). Between two calls nothing runs, so the leader's view is never stale.

Service hosts are the exception: a service lives until the leader marks it to stop, so its
worker runs in a thread of its own; ``killBatchJobs`` marks it to stop. ``idle`` is what an
idle ``getUpdatedBatchJob`` does with the time it may wait (by default it waits for ``wake``
or a service's end); a test may pass its fake clock's advance instead.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import math
import os
import shlex
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from toil.core import worker
from toil.core.batchsystem import (
    AbstractBatchSystem,
    BatchJobExitReason,
    BatchJobSpec,
    BatchSystemError,
    BatchSystemSettings,
    InsufficientSystemResources,
    UpdatedBatchJobInfo,
)
from toil.core.jobstore import JobStoreError
from toil.core.requirements import bytes2human
from toil.core.services import STOP_PREFIX

logger = logging.getLogger(__name__)

#: A command run in this process: it takes the command's words after the first, returns an exit code.
InProcessCommand = Callable[[list[str]], int]


def run_worker(argv: list[str], deliver: Callable[[bytes], None] | None = None) -> int:
    """``_toil_worker JOBNAME JOBSTORE JOBID`` as a call: run the job's chain; hand its outcome to deliver."""
    if len(argv) != 3:
        logger.error("usage: _toil_worker JOBNAME JOBSTORE JOBID (got %r)", argv)
        return 2
    _, locator, job_id = argv
    try:
        store, settings = worker.open_workflow(locator)
    except (JobStoreError, ValueError, OSError) as e:
        logger.error("_toil_worker: cannot open the job store %s: %s", locator, e)
        return 1
    outcome = worker.run_chain(store, settings, job_id)
    if deliver is not None:
        deliver(outcome.to_json())  # with the job's update, as a warm runner's goes
    else:
        worker.deliver(store, outcome)
    return 0 if outcome.ok else 1


def add_options(parser: argparse.ArgumentParser) -> None:
    """The inline batch system has no options of its own."""


@dataclass
class _Job:
    batch_id: int
    spec: BatchJobSpec
    started: float = 0.0


class InlineBatchSystem(AbstractBatchSystem):
    """Run jobs one at a time in this process, as the leader asks for updates."""

    def __init__(
        self,
        settings: BatchSystemSettings,
        commands: dict[str, InProcessCommand] | None = None,
        *,
        idle: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.environment: dict[str, str] = {}
        self.limits = {
            "cores": math.inf if settings.max_cores is None else settings.max_cores,
            "memory": math.inf if settings.max_memory is None else settings.max_memory,
            "disk": math.inf if settings.max_disk is None else settings.max_disk,
        }
        self._commands = {"_toil_worker": self._run_worker} if commands is None else dict(commands)
        self._outcomes = threading.local()  # the outcome of the worker this thread just ran
        self._idle = idle
        self._clock = clock
        self._queue: dict[int, _Job] = {}  # insertion-ordered: the FIFO queue
        self._services: dict[int, _Job] = {}  # running in threads of their own
        self._finished: deque[UpdatedBatchJobInfo] = deque()  # services' updates
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._woken = threading.Event()
        self._closed = False
        #: what was issued, by batch id, and the batch ids in the order their jobs ran (for tests)
        self.specs: dict[int, BatchJobSpec] = {}
        self.ran: list[int] = []

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        add_options(parser)

    # -- the contract -------------------------------------------------------------------
    def check_resource_request(self, spec: BatchJobSpec) -> None:
        requirements = spec.requirements
        name = spec.name or spec.job_id
        for resource, need, show in (
            ("cores", requirements.cores, lambda v: f"{v:g}"),
            ("memory", requirements.memory, bytes2human),
            ("disk", requirements.disk, bytes2human),
        ):
            limit = self.limits[resource]
            if need > limit:
                raise InsufficientSystemResources(name, resource, show(need), show(limit))
        if requirements.accelerator_count:
            raise InsufficientSystemResources(name, "accelerators", requirements.accelerator_count, 0)

    def issueBatchJob(self, spec: BatchJobSpec) -> int:
        self.check_resource_request(spec)
        if self._closed:
            raise BatchSystemError("The inline batch system was shut down; it cannot run more jobs.")
        batch_id = next(self._ids)
        self._queue[batch_id] = _Job(batch_id, spec)
        self.specs[batch_id] = spec
        return batch_id

    def killBatchJobs(self, jobIDs: list[int]) -> None:
        """Drop queued jobs; mark killed services to stop (their threads end by themselves)."""
        for batch_id in jobIDs:
            self._queue.pop(batch_id, None)
            with self._lock:
                service = self._services.pop(batch_id, None)
                if service is not None:
                    self._stop_service(service)
                self._finished = deque(u for u in self._finished if u.jobID != batch_id)

    def getIssuedBatchJobIDs(self) -> list[int]:
        with self._lock:
            return [*self._queue, *self._services, *(u.jobID for u in self._finished)]

    def getRunningBatchJobIDs(self) -> dict[int, float]:
        """Only services run between calls; every other job runs inside getUpdatedBatchJob."""
        now = self._clock()
        with self._lock:
            return {batch_id: now - job.started for batch_id, job in self._services.items()}

    def getUpdatedBatchJob(self, maxWait: float) -> UpdatedBatchJobInfo | None:
        """Report a service that ended, else run the oldest queued job, else wait for maxWait."""
        with self._lock:
            if self._finished:
                return self._finished.popleft()
        if self._queue:
            return self._run(self._queue.pop(next(iter(self._queue))))
        self._wait(maxWait)
        with self._lock:
            return self._finished.popleft() if self._finished else None

    def wake(self) -> None:
        self._woken.set()

    def shutdown(self) -> None:
        """Drop queued jobs and mark running services to stop; nothing else is running."""
        self._closed = True
        self.killBatchJobs([*self._queue, *self._services])

    # -- running ------------------------------------------------------------------------
    def _wait(self, seconds: float) -> None:
        if self._idle is not None and not self._services:
            self._idle(seconds)
        elif self._woken.wait(seconds):
            self._woken.clear()

    def _run(self, job: _Job) -> UpdatedBatchJobInfo | None:
        job.started = self._clock()
        self.ran.append(job.batch_id)
        words = job.spec.command.split(None, 1)
        if words and words[0] in self._commands and self._is_service(job.spec.command):
            self._start_service(job)
            return None
        self._outcomes.last = None
        with self._environment(job.spec):
            status = self._execute(job.spec)
        return self._update(job, status, self._outcomes.last)

    def _update(self, job: _Job, status: int, outcome: bytes | None = None) -> UpdatedBatchJobInfo:
        reason = BatchJobExitReason.FINISHED if status == 0 else BatchJobExitReason.FAILED
        return UpdatedBatchJobInfo(job.batch_id, status, reason, max(0.0, self._clock() - job.started), outcome)

    def _run_worker(self, argv: list[str]) -> int:
        return run_worker(argv, lambda data: setattr(self._outcomes, "last", data))

    def _execute(self, spec: BatchJobSpec) -> int:
        """Run a command to its end: in this process when registered, else with /bin/sh; return its exit status."""
        words = spec.command.split(None, 1)
        if not words or words[0] not in self._commands:
            return subprocess.run(["/bin/sh", "-c", spec.command], check=False).returncode
        try:
            return self._commands[words[0]](shlex.split(spec.command)[1:])
        except Exception:  # noqa: BLE001 - as a process would, a crashing command exits 1
            logger.exception("The in-process command %r failed", spec.command)
            return 1

    @contextlib.contextmanager
    def _environment(self, spec: BatchJobSpec) -> Iterator[None]:
        """Give the job the batch system's and its own variables for as long as it runs.

        Not for services: they run in threads beside other jobs, and os.environ is the process's.
        """
        changes = {**self.environment, **spec.environment}
        saved = {name: os.environ.get(name) for name in changes}
        os.environ.update(changes)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    # -- services -----------------------------------------------------------------------
    @staticmethod
    def _is_service(command: str) -> bool:
        """Tell whether a worker command runs a service host (whose record says so)."""
        try:
            words = shlex.split(command)
            if words[0] != "_toil_worker" or len(words) != 4:
                return False
            store, _ = worker.open_workflow(words[2])
            return worker.read_record(store, words[3]).kind == "service"
        except (JobStoreError, ValueError, OSError):
            return False  # the worker will say what is wrong

    def _start_service(self, job: _Job) -> None:
        with self._lock:
            self._services[job.batch_id] = job
        thread = threading.Thread(target=self._serve, args=(job,), name=f"inline-service-{job.batch_id}", daemon=True)
        thread.start()

    def _serve(self, job: _Job) -> None:
        status = self._execute(job.spec)
        with self._lock:
            if self._services.pop(job.batch_id, None) is not None:  # else killed: not reported
                self._finished.append(self._update(job, status))
        self._woken.set()

    @staticmethod
    def _stop_service(job: _Job) -> None:
        """Mark a service to stop, as the leader does (a thread cannot be killed)."""
        _, _, locator, job_id = shlex.split(job.spec.command)
        with contextlib.suppress(JobStoreError, ValueError, OSError):  # a store already gone stops nothing
            store, _ = worker.open_workflow(locator)
            store.put("shared", STOP_PREFIX + job_id, b"1")
