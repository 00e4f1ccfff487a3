"""``--metrics``: the leader serves Prometheus metrics on 127.0.0.1 while the workflow runs.

Counters by job type (the job's class or function name, Toil's ``jobName``) of jobs issued,
completed and failed for good; gauges of the jobs running (by type), queued, waiting to retry
and known, of cores and memory in use and allowed; a histogram of job durations (each attempt a
worker ran, start to end). Counters move as the leader's events happen; gauges are set on the
leader's timer (toil.core.watch), not per job. The metrics live in a registry of their own,
so two runs in one process never share them.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter as Tally
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from toil.core.errors import ToilConfigError
from toil.core.progress import Snapshot

logger = logging.getLogger(__name__)

ADDRESS = "127.0.0.1"
#: job durations in seconds: from bookkeeping jobs to day-long tools
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600)


class _ByType:
    """A labelled metric's children by job type, made once each (``labels()`` costs a lock and a tuple)."""

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._children: dict[str, Any] = {}

    def __getitem__(self, job_type: str) -> Any:
        child = self._children.get(job_type)
        if child is None:
            child = self._children[job_type] = self._metric.labels(job_type)
        return child

    def types(self) -> list[str]:
        return list(self._children)


class _Visits:
    """A collector that yields nothing and counts the scrapes (registered first: it runs before the rest)."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()

    def collect(self) -> list[Any]:
        with self.changed:
            self.count += 1
            self.changed.notify_all()
        return []

    def wait_for_next(self, timeout: float) -> bool:
        """Wait for a scrape that starts from now on, if anything has scraped before; whether one came."""
        with self.changed:
            seen = self.count
            return seen > 0 and self.changed.wait_for(lambda: self.count > seen, timeout)


class RunMetrics:
    """The run's metrics and the HTTP server that serves them (``port`` 0: a free one)."""

    def __init__(self, port: int = 0, final_wait: float = 0.0) -> None:
        self.registry = registry = CollectorRegistry()
        self.visits = _Visits()
        registry.register(self.visits)
        #: at the end, how long to wait for a scraper that has come before to read the final figures
        self.final_wait = final_wait
        by_type = ("job_type",)
        self.issued = _ByType(Counter("toil_jobs_issued", "Jobs issued to the batch system", by_type,
                                      registry=registry))
        self.completed = _ByType(Counter("toil_jobs_completed", "Jobs that ran and committed", by_type,
                                         registry=registry))
        self.failed = _ByType(Counter("toil_jobs_failed", "Jobs that failed with no tries left", by_type,
                                      registry=registry))
        self.durations = _ByType(Histogram("toil_job_duration_seconds", "Run time of each job attempt a worker ran",
                                           by_type, registry=registry, buckets=DURATION_BUCKETS))
        self.running = _ByType(Gauge("toil_jobs_running", "Jobs running", by_type, registry=registry))
        self._gauges = {
            name: Gauge(f"toil_{name}", text, registry=registry)
            for name, text in (("jobs_queued", "Jobs issued and waiting in the batch system's queue"),
                               ("jobs_retrying", "Jobs waiting to be tried again"),
                               ("jobs_known", "Jobs in the workflow's graph so far"),
                               ("cores_in_use", "Cores of the running jobs"),
                               ("memory_in_use_bytes", "Memory of the running jobs"),
                               ("cores_allowed", "Cores the batch system may use (0: no limit known)"),
                               ("memory_allowed_bytes", "Memory the batch system may use (0: no limit known)"))
        }
        try:
            self._server, self._thread = start_http_server(port, addr=ADDRESS, registry=registry)
        except OSError as e:
            raise ToilConfigError(f"--metrics: cannot serve on {ADDRESS}:{port}: {e.strerror or e}") from None
        self.port = int(self._server.server_port)
        logger.info("Serving Prometheus metrics at http://%s:%d/metrics", ADDRESS, self.port)

    def update(self, snapshot: Snapshot, running_types: Tally[str]) -> None:
        """Set the gauges from the leader's figures (on its timer)."""
        for job_type in set(self.running.types()) | set(running_types):
            self.running[job_type].set(running_types.get(job_type, 0))
        gauges = self._gauges
        gauges["jobs_queued"].set(snapshot.queued)
        gauges["jobs_retrying"].set(snapshot.retrying)
        gauges["jobs_known"].set(snapshot.known)
        gauges["cores_in_use"].set(snapshot.cores)
        gauges["memory_in_use_bytes"].set(snapshot.memory)
        if snapshot.max_cores is not None:
            gauges["cores_allowed"].set(snapshot.max_cores)
        if snapshot.max_memory is not None:
            gauges["memory_allowed_bytes"].set(snapshot.max_memory)

    def close(self) -> None:
        """Stop serving, once a scraper seen before has read the final figures (or final_wait has passed)."""
        if self.final_wait > 0 and self.visits.count > 0:
            logger.debug("Waiting up to %g s for the metrics' last scrape", self.final_wait)
            self.visits.wait_for_next(self.final_wait)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
