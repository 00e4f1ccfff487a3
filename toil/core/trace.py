"""``--trace FILE``: one tab-separated row per job attempt, written as jobs finish.

The columns are those of Nextflow's trace file where they apply, so the tools people already
use on those read ours: ``task_id`` (the job's id), ``native_id`` (the batch system's id),
``name``, ``status`` (COMPLETED, FAILED, KILLED), ``exit``, ``attempt``, ``submit``, ``start``,
``complete`` (local times), ``duration`` (submit to complete) and ``realtime`` (start to complete)
in seconds, ``%cpu``, ``peak_rss`` (bytes), ``rchar``/``wchar`` (bytes read and written),
``host``. Figures the worker did not report (it was killed) are ``-``.

Rows are buffered and flushed at most once a second, and when the run ends: a trace costs the
leader a formatted line per attempt, not a write.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import IO

from toil.core.outcome import Attempt

COLUMNS = ("task_id", "native_id", "name", "status", "exit", "attempt", "submit", "start", "complete",
           "duration", "realtime", "%cpu", "peak_rss", "rchar", "wchar", "host")
FLUSH_EVERY = 1.0  # seconds


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}"


class TraceWriter:
    """Appends job attempts to a trace file (a header first, when the file is new or empty)."""

    def __init__(self, path: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self._clock = clock
        self._file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        if self._file.tell() == 0:
            self._file.write("\t".join(COLUMNS) + "\n")
        self._flushed = clock()
        self._issued: dict[str, tuple[float, int | None]] = {}  # job id -> (when issued, batch id)

    def issued(self, job_id: str, native_id: int | None, when: float) -> None:
        """A job was handed to the batch system at when (seconds since the epoch)."""
        self._issued[job_id] = (when, native_id)

    def chained(self, job_id: str, into: str) -> None:
        """A worker ran into after job_id, in the same batch job."""
        self._issued.setdefault(into, self._issued.get(job_id, (time.time(), None)))

    def measured(self, job_id: str, name: str, number: int, attempt: Attempt, exit_code: int) -> None:
        """A row for an attempt the worker measured."""
        submitted, native_id = self._issued.pop(job_id, (attempt.start, None))
        realtime = max(0.0, attempt.end - attempt.start)
        cpu = f"{100.0 * attempt.cpu / realtime:.1f}" if realtime > 0 else "-"
        status = "COMPLETED" if attempt.ok else "FAILED"
        self._row([job_id, _native(native_id), name, status, str(0 if attempt.ok else exit_code or 1), str(number),
                   _when(submitted), _when(attempt.start), _when(attempt.end), f"{attempt.end - submitted:.3f}",
                   f"{realtime:.3f}", cpu, str(attempt.peak_rss * 1024), str(attempt.read_bytes),
                   str(attempt.written_bytes), attempt.host])

    def unmeasured(self, job_id: str, name: str, number: int, status: str, exit_code: int) -> None:
        """A row for an attempt whose worker said nothing (killed, lost): only the leader's view."""
        now = time.time()
        submitted, native_id = self._issued.pop(job_id, (now, None))
        self._row([job_id, _native(native_id), name, status, str(exit_code), str(number), _when(submitted), "-",
                   _when(now), f"{now - submitted:.3f}", "-", "-", "-", "-", "-", "-"])

    def _row(self, fields: list[str]) -> None:
        self._file.write("\t".join(field.replace("\t", " ").replace("\n", " ") for field in fields) + "\n")
        now = self._clock()
        if now - self._flushed >= FLUSH_EVERY:
            self._file.flush()
            self._flushed = now

    def close(self) -> None:
        self._file.close()


def _native(native_id: int | None) -> str:
    return "-" if native_id is None else str(native_id)


def open_trace(path: str | None) -> TraceWriter | None:
    """The trace writer for --trace (None without it); its directory is made if missing."""
    if not path:
        return None
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    return TraceWriter(path)
