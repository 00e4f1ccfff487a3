"""Services: long-running helpers (a database, a server) that live while a job's successors run.

A service runs as a batch job of its own (a ServiceHostJob). Its worker calls
``start()``, stores the value (what ``addService`` promised), and marks the service
started in the job store; it then calls ``check()`` every few tenths of a second until
the leader marks it to stop, calls ``stop()`` and commits like any job.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from toil.core import serialize
from toil.core.job import JobException, ServiceHostJob

logger = logging.getLogger(__name__)

#: --deadlockWait and --deadlockCheckInterval (seconds)
DEFAULT_DEADLOCK_WAIT = 60.0
DEFAULT_DEADLOCK_CHECK_INTERVAL = 30.0
STARTED_PREFIX = "svc-started-"
STOP_PREFIX = "svc-stop-"
CHECK_INTERVAL = 0.25


class _ServiceHandle:
    """What start/stop get: the host job (with .fileStore), usable where a file store is expected."""

    def __init__(self, host: ServiceHostJob) -> None:
        self._host = host

    @property
    def fileStore(self) -> Any:
        return self._host.fileStore

    def __getattr__(self, name: str) -> Any:
        return getattr(self._host.fileStore, name)


def run_service(host: ServiceHostJob, store: Any, file_store: Any) -> Any:
    """Start, watch and stop one service; return start()'s value once stopped."""
    host._toil_file_store = file_store
    handle = _ServiceHandle(host)
    service_id = host._toil_id
    value = host.service.start(handle)
    data, _ = serialize.dumps(value)
    store.put("results", service_id, data)  # promised to the host's successors
    store.put("shared", STARTED_PREFIX + service_id, b"1")
    logger.info("Service %s started", host.jobName)
    try:
        while not store.has("shared", STOP_PREFIX + service_id):
            if not host.service.check():
                raise RuntimeError(f"Service {host.jobName} failed its check")
            time.sleep(CHECK_INTERVAL)
    finally:
        host.service.stop(handle)
        logger.info("Service %s stopped", host.jobName)
    return value


class DeadlockException(JobException):
    """Only services are running and nothing else can: the workflow would wait forever."""


class ServiceManager:
    """The leader's bookkeeping for services: the cap, start detection, stop marks, deadlocks."""

    def __init__(
        self, store: Any, max_service_jobs: int, deadlock_wait: float, check_interval: float
    ) -> None:
        self.store = store
        self.max_service_jobs = max_service_jobs
        self.deadlock_wait = deadlock_wait
        self.check_interval = check_interval
        self.live: set[str] = set()  # issued to the batch system
        self.starting: set[str] = set()  # issued, start() not yet done
        self.queue: list[str] = []  # held back by --maxServiceJobs
        self._stalled_since: float | None = None
        self._last_check = float("-inf")

    def admit(self, job_id: str) -> bool:
        """Tell whether a service may be issued now; queue it otherwise."""
        if len(self.live) >= self.max_service_jobs:
            self.queue.append(job_id)
            return False
        self.live.add(job_id)
        self.starting.add(job_id)
        return True

    def finished(self, job_id: str) -> list[str]:
        """Forget a service that ended; return queued services that may now be issued."""
        self.live.discard(job_id)
        self.starting.discard(job_id)
        if job_id in self.queue:
            self.queue.remove(job_id)
        admitted = []
        while self.queue and len(self.live) < self.max_service_jobs:
            queued = self.queue.pop(0)
            self.live.add(queued)
            self.starting.add(queued)
            admitted.append(queued)
        return admitted

    def poll_started(self) -> list[str]:
        started = [s for s in self.starting if self.store.has("shared", STARTED_PREFIX + s)]
        self.starting.difference_update(started)
        return started

    def stop(self, job_ids: list[str]) -> None:
        for job_id in job_ids:
            self.store.put("shared", STOP_PREFIX + job_id, b"1")
        for job_id in job_ids:
            if job_id in self.queue:  # never issued: nothing to stop
                self.queue.remove(job_id)

    def check_deadlock(self, now: float, running: set[str], waiting: bool, names: dict[str, str]) -> None:
        """Raise DeadlockException once only services have run, with work waiting, for deadlock_wait s."""
        if now - self._last_check < min(self.check_interval, self.deadlock_wait / 2 or 0.1):
            return
        self._last_check = now
        stalled = bool(running) and running <= (self.live - self.starting) and waiting
        if not stalled:
            self._stalled_since = None
            return
        if self._stalled_since is None:
            self._stalled_since = now
            logger.warning("Only services are running and other jobs are waiting: possible deadlock")
        elif now - self._stalled_since >= self.deadlock_wait:
            held = ", ".join(sorted(names.get(s, s) for s in running))
            raise DeadlockException(
                f"Deadlock: for {self.deadlock_wait:g} s only services ({held}) have run while other jobs wait for "
                "the resources they hold; give the workflow more resources (--maxCores, --maxMemory) or fewer "
                "services (--maxServiceJobs)"
            )
