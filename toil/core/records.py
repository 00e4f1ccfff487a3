"""Per-attempt records in the job store: one structured record per job attempt, for reports.

The leader keeps what each job attempt did (times, exit status, CPU, peak memory, bytes read and
written, host, the job's name and step, what it asked for, the tail of a failed job's log, the
jobs it came from) and what each run of the workflow was (its command line, start, end, outcome).

Records are JSON lines, buffered and written as numbered chunks in the store's ``shared``
namespace (``job-records-<run stamp>-<chunk number>``): one new blob at most every
``FLUSH_EVERY`` seconds and when the run ends, never a write per job, and every store (file, S3,
memory) can do it, since a chunk is an ordinary atomic put. A killed leader loses at most the
records it had not flushed; a ``--restart`` is a new run whose chunks sort after the first's.
``read_records`` puts them back together in order.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from toil.core.description import JobDescription
from toil.core.jobstore import AbstractJobStore, JobStoreError, NoSuchBlobError
from toil.core.outcome import Attempt

logger = logging.getLogger(__name__)

PREFIX = "job-records-"  # key prefix in the "shared" namespace
FLUSH_EVERY = 5.0  # seconds
TAIL_CHARS = 8000  # of a failed job's log
_ENCODER = json.JSONEncoder(separators=(",", ":"))  # one encoder: json.dumps with options builds one per call


@dataclass
class RunRecords:
    """Everything the records say about a workflow: its runs, and every job attempt, in order."""

    runs: list[dict[str, Any]] = field(default_factory=list)  # kind "run", with "end" merged in once ended
    attempts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``succeeded``, ``failed``, ``running`` (the last run has not ended), or ``unknown`` (no run)."""
        if not self.runs:
            return "unknown"
        last = self.runs[-1]
        if "success" not in last:
            return "running"
        return "succeeded" if last["success"] else "failed"


class RecordWriter:
    """Buffers the records of one leader run and appends them to the store in chunks."""

    def __init__(self, store: AbstractJobStore, clock: Callable[[], float] = time.monotonic,
                 parents: Callable[[str], list[str]] | None = None) -> None:
        self.store = store
        self._clock = clock
        self._parents = parents or (lambda job_id: [])
        self._stamp = f"{time.time_ns() // 1000:017d}"  # microseconds: a later run's chunks sort after
        self._chunk = 0
        self._buffer: list[dict[str, Any]] = []
        self._flushed = clock()
        self._issued: dict[str, float] = {}

    def set_parents(self, parents: Callable[[str], list[str]]) -> None:
        """How to find a job's parents (asked when its attempt is recorded, before the leader forgets the job)."""
        self._parents = parents

    # -- what the leader tells ----------------------------------------------------------------
    def run_started(self, command: list[str], locator: str, workflow_id: str, restart: bool) -> None:
        self._buffer.append({"kind": "run", "start": time.time(), "command": command, "locator": locator,
                             "workflow": workflow_id, "restart": restart})
        self.flush()

    def run_ended(self, success: bool, failed: list[dict[str, str]]) -> None:
        self._buffer.append({"kind": "end", "end": time.time(), "success": success, "failed": failed})
        self.flush()

    def issued(self, job_id: str, when: float) -> None:
        self._issued[job_id] = when

    def measured(self, record: JobDescription | None, job_id: str, number: int, attempt: Attempt,
                 exit_code: int) -> None:
        """A worker (or the leader) measured this attempt."""
        submitted = self._issued.pop(job_id, attempt.start)
        self._add(record, job_id, number, "COMPLETED" if attempt.ok else "FAILED",
                  0 if attempt.ok else exit_code or 1, submitted,
                  {"start": attempt.start, "end": attempt.end, "cpu": attempt.cpu, "peak_rss": attempt.peak_rss * 1024,
                   "read": attempt.read_bytes, "written": attempt.written_bytes, "host": attempt.host})

    def unmeasured(self, record: JobDescription, number: int, status: str, exit_code: int) -> None:
        """An attempt whose worker said nothing (killed, lost): only the leader's view."""
        now = time.time()
        self._add(record, record.job_id, number, status, exit_code, self._issued.pop(record.job_id, now),
                  {"start": None, "end": now})

    def failure_log(self, job_id: str, reason: str, log: str) -> None:
        """The reason and log tail of a job that failed: kept with its latest record not yet written."""
        for entry in reversed(self._buffer):
            if entry.get("job") == job_id and entry["kind"] == "attempt":
                entry["reason"] = reason
                entry["stderr"] = log[-TAIL_CHARS:]
                return

    def _add(self, record: JobDescription | None, job_id: str, number: int, status: str, exit_code: int,
             submitted: float, figures: dict[str, Any]) -> None:
        # Asked now: the leader forgets a job's node (and so its parents) once the job is done.
        entry: dict[str, Any] = {"kind": "attempt", "job": job_id, "attempt": number, "status": status,
                                 "exit": exit_code, "submit": submitted, **figures,
                                 "parents": list(self._parents(job_id))}
        if record is not None:
            entry.update(name=record.name, step=record.display_name or record.name,
                         cores=record.requirements.cores, memory=record.requirements.memory)
        self._buffer.append(entry)

    # -- writing ------------------------------------------------------------------------------
    def tick(self) -> None:
        """Flush when the last flush is FLUSH_EVERY seconds old (the leader calls this as time passes)."""
        if self._buffer and self._clock() - self._flushed >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        self._flushed = self._clock()
        if not self._buffer:
            return
        data = "".join(_ENCODER.encode(entry) + "\n" for entry in self._buffer).encode()
        key = f"{PREFIX}{self._stamp}-{self._chunk:06d}"
        try:
            self.store.put("shared", key, data)
        except (OSError, JobStoreError) as e:  # the records are for reports: losing a chunk must not stop the workflow
            logger.warning("Could not write job records to the job store: %s", e)
            return
        self._chunk += 1
        self._buffer = []


def _entries(store: AbstractJobStore) -> Iterator[dict[str, Any]]:
    for key in sorted(key for key in store.keys("shared") if key.startswith(PREFIX)):
        try:
            data = store.get("shared", key)
        except NoSuchBlobError:
            continue
        for line in data.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                logger.warning("Skipping a damaged line of job records in %s", key)
                continue
            if isinstance(entry, dict):
                yield entry


def read_records(store: AbstractJobStore) -> RunRecords:
    """Every run and attempt recorded in the store, in the order they were written."""
    result = RunRecords()
    for entry in _entries(store):
        kind = entry.get("kind")
        if kind == "run":
            result.runs.append(entry)
        elif kind == "end" and result.runs:
            result.runs[-1].update(end=entry.get("end"), success=entry.get("success"),
                                   failed=entry.get("failed", []))
        elif kind == "attempt":
            result.attempts.append(entry)
    return result
