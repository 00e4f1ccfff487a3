"""The leader's watch over a run: counts as events happen, shows and exports them on a timer.

The leader calls a few methods as its own events happen (a job issued, a job committed, a job
given up on, attempts measured): each is a counter's increment, and a metric's when ``--metrics``
is on. Everything that costs more (asking the batch system what runs, summing the cores and
memory of the running jobs, drawing the status line, setting the gauges) happens in ``tick``,
which the leader calls from its loop and which does nothing until the next refresh is due.
So the cost per job stays a few increments, whatever is shown.
"""

from __future__ import annotations

import sys
import time
from collections import Counter as Tally
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING

from toil.core.description import JobDescription
from toil.core.outcome import Attempt
from toil.core.progress import (
    DEFAULT_SUMMARY_INTERVAL,
    LINE_REFRESH,
    Display,
    LogSummary,
    Snapshot,
    StatusLine,
    wants_status_line,
)

if TYPE_CHECKING:
    from toil.core.batchsystem import AbstractBatchSystem
    from toil.core.metrics import RunMetrics
    from toil.core.state import SchedulingState

#: seconds between two settings of the metrics' gauges
METRICS_REFRESH = 1.0


class RunWatch:
    """Counts of the run, and what shows them: displays (status line, log summary) and metrics."""

    def __init__(self, displays: list[Display] | None = None, metrics: RunMetrics | None = None,
                 refresh: float | None = None) -> None:
        self.displays = list(displays or [])
        self.metrics = metrics
        #: seconds between ticks that do something (None: never; nothing is shown or exported)
        self.refresh = refresh
        self.clock: Callable[[], float] = time.monotonic  # the leader's (bind)
        self.done = 0
        self.failed = 0
        self.issued_count = 0
        self._state: SchedulingState | None = None
        self._issued: dict[int, str] = {}
        self._batch: AbstractBatchSystem | None = None
        self._started = self.clock()
        self._next = float("inf")

    # -- what the leader tells ------------------------------------------------------------
    def bind(self, state: SchedulingState, issued: dict[int, str], batch: AbstractBatchSystem,
             clock: Callable[[], float]) -> None:
        """The leader's state, its batch ids -> job ids, its batch system (read on each tick), and its clock."""
        self._state, self._issued, self._batch, self.clock = state, issued, batch, clock

    def start(self, records: list[JobDescription]) -> None:
        """The run begins with these records (those that ran before a restart count as done)."""
        self.done = sum(1 for record in records if record.ran)
        self._started = self.clock()
        if self.refresh is not None:
            self._next = self._started  # the first tick shows the line at once

    def issued(self, record: JobDescription) -> None:
        self.issued_count += 1
        if self.metrics is not None:
            self.metrics.issued[record.name].inc()

    def completed(self, record: JobDescription) -> None:
        self.done += 1
        if self.metrics is not None:
            self.metrics.completed[record.name].inc()

    def gave_up(self, record: JobDescription) -> None:
        self.failed += 1
        if self.metrics is not None:
            self.metrics.failed[record.name].inc()

    def measured(self, attempts: list[Attempt], created: Mapping[str, JobDescription]) -> None:
        """Attempts a worker measured, of known jobs or of jobs the same outcome created (chained)."""
        if self.metrics is None or self._state is None:
            return
        nodes = self._state.nodes
        for attempt in attempts:
            node = nodes.get(attempt.job_id)
            record = node.record if node is not None else created.get(attempt.job_id)
            if record is not None:
                self.metrics.durations[record.name].observe(max(0.0, attempt.end - attempt.start))

    # -- the timer ------------------------------------------------------------------------
    def due(self, now: float) -> float:
        """Seconds until the next tick has something to do."""
        return max(0.0, self._next - now)

    def tick(self, now: float) -> None:
        if now < self._next:
            return
        assert self.refresh is not None
        self._next = now + self.refresh
        self._show(final=False)

    def _show(self, final: bool) -> None:
        snapshot, running_types = self.snapshot()
        for display in self.displays:
            display.show(snapshot, final)
        if self.metrics is not None:
            self.metrics.update(snapshot, running_types)

    def snapshot(self) -> tuple[Snapshot, Tally[str]]:
        """The figures now, and the job types of the running jobs (a pass over the running jobs only)."""
        state, batch = self._state, self._batch
        running = batch.getRunningBatchJobIDs() if batch is not None else {}
        records = [state.record(self._issued[b]) for b in running if b in self._issued] if state is not None else []
        cores = sum(record.requirements.cores for record in records)
        memory = sum(record.requirements.memory for record in records)
        max_cores, max_memory = batch.resource_limits() if batch is not None else (None, None)
        snapshot = Snapshot(
            done=self.done, running=len(records), queued=max(0, len(self._issued) - len(records)),
            retrying=len(state.retrying) if state is not None else 0,
            failed=self.failed,
            known=len(state.nodes) + state.released if state is not None else 0,  # done jobs are dropped
            growing=state is not None and not state.finished,
            cores=cores, memory=memory, max_cores=max_cores, max_memory=max_memory,
            elapsed=self.clock() - self._started,
        )
        types = Tally(record.name for record in records) if self.metrics is not None else Tally()
        return snapshot, types

    # -- the end --------------------------------------------------------------------------
    def close(self) -> None:
        """Show the last figures, take the line off the leader's hands, stop serving metrics."""
        try:
            if self._state is not None and self.refresh is not None:
                self._show(final=True)
        finally:
            for display in self.displays:
                display.close()
            if self.metrics is not None:
                self.metrics.close()

    def __enter__(self) -> RunWatch:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_watch(disable_progress: bool = False, summary_interval: float = DEFAULT_SUMMARY_INTERVAL,
               metrics: bool = False, metrics_port: int = 0, metrics_wait: float = 0.0) -> RunWatch:
    """The watch the options ask for: the status line on a terminal, else a summary in the log; metrics."""
    displays: list[Display] = []
    refresh: float | None = None
    if not disable_progress and wants_status_line(sys.stderr):
        displays.append(StatusLine(sys.stderr))
        refresh = LINE_REFRESH
    elif summary_interval > 0:
        displays.append(LogSummary(summary_interval))
        refresh = summary_interval
    run_metrics = None
    if metrics:
        from toil.core.metrics import RunMetrics  # prometheus_client: imported only when asked for

        run_metrics = RunMetrics(metrics_port, metrics_wait)
        refresh = min(refresh or METRICS_REFRESH, METRICS_REFRESH)
    return RunWatch(displays, run_metrics, refresh)
