"""Job logs: what workers keep of their output, --writeLogs, and real-time logging.

What a worker reports (JobReporting) travels in the workflow's settings (toil.core.settings),
like everything else a worker needs. Real-time logging uses Toil's variables
``TOIL_RT_LOGGING_ADDRESS`` / ``TOIL_RT_LOGGING_LEVEL`` in the jobs' environment: a worker's
``RealtimeLogger`` sends each record as a JSON datagram to a UDP socket the leader reads.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import logging
import os
import re
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from toil.core import optiontypes, stats
from toil.core.description import JobDescription
from toil.core.jobstore import AbstractJobStore, NoSuchBlobError
from toil.core.optiontypes import Option, flag, log_size

logger = logging.getLogger(__name__)

RT_ADDRESS_ENV = "TOIL_RT_LOGGING_ADDRESS"
RT_LEVEL_ENV = "TOIL_RT_LOGGING_LEVEL"
RT_LOGGER_NAME = "toil-rt"
#: prefix of the key (in the "logs" namespace) of a job's log kept for --writeLogs
JOB_LOG_PREFIX = "log-"
_MAX_DATAGRAM = 60000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# -- options --------------------------------------------------------------------------------
WRITE_LOGS = Option(("--writeLogs",), None, "Write every job's log into its own file in DIR (default: the current "
                    "directory).", extra={"nargs": "?", "const": ".", "metavar": "DIR"})
WRITE_LOGS_GZIP = Option(("--writeLogsGzip",), None, "Like --writeLogs, with the files gzipped.",
                         extra={"nargs": "?", "const": ".", "metavar": "DIR"})
WRITE_LOGS_FROM_ALL_JOBS = flag("--writeLogsFromAllJobs",
                                help="Accepted for compatibility: --writeLogs already writes the logs of all jobs.")
MAX_LOG_FILE_SIZE = Option(("--maxLogFileSize",), 64000, "Keep at most the last BYTES of a job's log (0: no limit; "
                           "negative: keep the first BYTES). Default 62.5Ki.", log_size, extra={"metavar": "BYTES"})
REAL_TIME_LOGGING = flag("--realTimeLogging",
                         help="Stream RealtimeLogger messages from running jobs to the leader's log.")
NO_STD_OUT_ERR = flag("--noStdOutErr", "--disableWorkerOutputCapture", dest="noStdOutErr",
                      help="Leave jobs' standard output and error alone instead of capturing them into their logs.")
LOG_OPTIONS = (WRITE_LOGS, WRITE_LOGS_GZIP, WRITE_LOGS_FROM_ALL_JOBS, MAX_LOG_FILE_SIZE, REAL_TIME_LOGGING,
               NO_STD_OUT_ERR)
#: Toil's default --maxLogFileSize (62.5 KiB)
DEFAULT_MAX_LOG_FILE_SIZE = MAX_LOG_FILE_SIZE.default


def add_log_options(parser: argparse.ArgumentParser) -> None:
    """Add Toil's log-management options (--writeLogs, --realTimeLogging, ...)."""
    group = parser.add_argument_group("Log management")
    for option in LOG_OPTIONS:
        option.add_to(group)


@dataclass(frozen=True)
class JobReporting:
    """What a worker reports of each job it runs, as the leader asked (part of the workflow's settings)."""

    stats: bool = False
    keep_logs: bool = False
    max_log_file_size: int = DEFAULT_MAX_LOG_FILE_SIZE
    capture: bool = True


@dataclass(frozen=True)
class LogOptions:
    """The leader's view of the log-management options."""

    write_logs: str | None
    gzip: bool
    max_log_file_size: int
    capture: bool
    realtime: bool

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> LogOptions:
        gzipped = WRITE_LOGS_GZIP.value(options)
        directory = gzipped or WRITE_LOGS.value(options)
        return cls(
            write_logs=os.path.abspath(directory) if directory else None,
            gzip=bool(gzipped),
            max_log_file_size=int(MAX_LOG_FILE_SIZE.value(options)),
            capture=not NO_STD_OUT_ERR.value(options),
            realtime=bool(REAL_TIME_LOGGING.value(options)),
        )

    def reporting(self, stats: bool) -> JobReporting:
        """What workers must report: kept stats (--stats) and logs (--writeLogs), and how."""
        return JobReporting(stats, self.write_logs is not None, self.max_log_file_size, self.capture)


def realtime_environment(address: str | None, level: str) -> dict[str, str]:
    """The variables that make jobs stream to the leader's real-time log (none without an address)."""
    return {RT_ADDRESS_ENV: address, RT_LEVEL_ENV: level} if address else {}


def truncate(data: bytes, limit: int) -> bytes:
    """Keep the last ``limit`` bytes (the first ``-limit`` when negative; all when 0)."""
    if limit > 0:
        return data[-limit:]
    if limit < 0:
        return data[:-limit]
    return data


# -- the worker's side ------------------------------------------------------------------------
class JobReporter:
    """What a worker does around each job it runs: nothing, unless the leader asked."""

    capture = True
    max_log_file_size = DEFAULT_MAX_LOG_FILE_SIZE

    def job(self, record: JobDescription) -> contextlib.AbstractContextManager[None]:
        return _NO_CONTEXT


_NO_CONTEXT = contextlib.nullcontext()
NO_REPORTER = JobReporter()


class ActiveJobReporter(JobReporter):
    """Keeps per-job stats and log sections in the store, as the workflow's settings ask."""

    def __init__(self, store: AbstractJobStore, options: JobReporting, log_path: str, worker_id: str) -> None:
        self.store = store
        self.options = options
        self.log_path = log_path
        self.worker_id = worker_id
        self.capture = options.capture
        self.max_log_file_size = options.max_log_file_size

    @contextlib.contextmanager
    def job(self, record: JobDescription) -> Iterator[None]:
        start = self._log_offset()
        meter = stats.Meter() if self.options.stats else None
        yield  # an exception means the job failed: its log is kept by the failure path
        if meter is not None:
            self.store.put("logs", stats.job_key(record.job_id), meter.finish(record, self.worker_id))
        if self.options.keep_logs:
            self.store.put("logs", JOB_LOG_PREFIX + record.job_id, self._log_section(start))

    def _log_offset(self) -> int:
        _flush_output()
        if self.capture:
            with contextlib.suppress(OSError):
                return os.lseek(2, 0, os.SEEK_CUR)
        with contextlib.suppress(OSError):
            return os.path.getsize(self.log_path)
        return 0

    def _log_section(self, start: int) -> bytes:
        """The job's part of the log, cut to --maxLogFileSize without reading what is cut."""
        end = self._log_offset()
        limit = self.max_log_file_size
        if limit > 0:
            start = max(start, end - limit)
        size = max(0, end - start) if limit >= 0 else max(0, min(end - start, -limit))
        try:
            with open(self.log_path, "rb") as f:
                f.seek(start)
                return f.read(size)
        except OSError:
            return b""


def worker_reporter(store: AbstractJobStore, reporting: JobReporting, log_path: str, job_id: str) -> JobReporter:
    """The reporter of a worker process: NO_REPORTER unless the leader asked for more."""
    if reporting == JobReporting():
        return NO_REPORTER
    return ActiveJobReporter(store, reporting, log_path, f"{job_id}.{os.getpid()}")


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):
            handler.flush()


# -- the leader's side: --writeLogs -------------------------------------------------------------
def log_file_name(record: JobDescription | None, job_id: str, failed: bool, gzipped: bool) -> str:
    name = (record.display_name or record.name) if record is not None else "job"
    stem = _UNSAFE.sub("_", name).strip("_")[:80] or "job"
    return f"{stem}_{job_id}{'_FAILED' if failed else ''}.log{'.gz' if gzipped else ''}"


def _write_log_file(directory: str, name: str, data: bytes, gzipped: bool) -> str:
    path = os.path.join(directory, name)
    stem, suffix = (name[: -len(".log.gz")], ".log.gz") if gzipped else (name[: -len(".log")], ".log")
    number = 1
    while os.path.exists(path):
        path = os.path.join(directory, f"{stem}_{number}{suffix}")
        number += 1
    with open(path, "wb") as f:
        f.write(gzip.compress(data) if gzipped else data)
    return path


def _record_or_none(store: AbstractJobStore, job_id: str) -> JobDescription | None:
    try:
        return JobDescription.from_json(store.get("jobs", job_id), where=job_id)
    except (NoSuchBlobError, ValueError):
        return None


def write_log_files(store: AbstractJobStore, options: LogOptions, written: set[str]) -> int:
    """Write kept job logs (and failed jobs' logs) into --writeLogs; return how many were written.

    Logs of jobs that ran are taken out of the store; failed jobs' logs stay there (toil
    status --printLogs shows them) and ``written`` remembers them, so none is written twice.
    """
    if options.write_logs is None:
        return 0
    os.makedirs(options.write_logs, exist_ok=True)
    count = 0
    for key in list(store.keys("logs")):
        ok = key.startswith(JOB_LOG_PREFIX)
        job_id = key[len(JOB_LOG_PREFIX):] if ok else key
        if key in written or (not ok and not store.has("jobs", key)):
            continue  # a failure log already written; stats and other blobs
        try:
            data = store.get("logs", key)
        except NoSuchBlobError:
            continue
        name = log_file_name(_record_or_none(store, job_id), job_id, failed=not ok, gzipped=options.gzip)
        _write_log_file(options.write_logs, name, data, options.gzip)
        count += 1
        if ok:
            store.delete("logs", key)
        else:
            written.add(key)
    return count


# -- real-time logging --------------------------------------------------------------------------
class RealtimeHandler(logging.Handler):
    """Send each record as a JSON datagram to the leader (best effort: a lost datagram is lost)."""

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__()
        self.address = address
        self._socket: socket.socket | None = None
        self._pid = -1

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._socket is None or self._pid != os.getpid():  # a forked child gets its own socket
                self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._pid = os.getpid()
            message = {"name": record.name, "levelno": record.levelno, "levelname": record.levelname,
                       "msg": record.getMessage()[:_MAX_DATAGRAM], "created": record.created}
            self._socket.sendto(json.dumps(message).encode(), self.address)
        except Exception:  # noqa: BLE001 - logging must never break the job
            self.handleError(record)


def parse_address(text: str) -> tuple[str, int] | None:
    host, _, port = text.rpartition(":")
    try:
        return (host, int(port)) if host else None
    except ValueError:
        return None


_rt_state: dict[str, Any] = {}


def realtime_logger() -> logging.Logger:
    """The ``toil-rt`` logger, streaming to the leader when this process runs a job under --realTimeLogging."""
    rt = logging.getLogger(RT_LOGGER_NAME)
    address_text = os.environ.get(RT_ADDRESS_ENV, "")
    if _rt_state.get("address") != address_text:
        old = _rt_state.pop("handler", None)
        if old is not None:
            rt.removeHandler(old)
        _rt_state["address"] = address_text
        address = parse_address(address_text) if address_text else None
        if address is not None:
            handler = RealtimeHandler(address)
            rt.addHandler(handler)
            _rt_state["handler"] = handler
            level = os.environ.get(RT_LEVEL_ENV, "INFO").upper()
            rt.setLevel(optiontypes.level_number(level))
    return rt


@dataclass
class RealtimeServer:
    """The leader's end: log every datagram workers send, as it arrives."""

    host: str = "127.0.0.1"
    _socket: socket.socket | None = None
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> str:
        """Start receiving; return the address to give workers ("host:port")."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((self.host, 0))
        sock.settimeout(0.2)
        self._socket = sock
        self._thread = threading.Thread(target=self._serve, name="toil-rt", daemon=True)
        self._thread.start()
        host, port = sock.getsockname()
        return f"{host}:{port}"

    def _serve(self) -> None:
        assert self._socket is not None
        while not self._stop.is_set():
            try:
                data = self._socket.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self._emit(data)

    @staticmethod
    def _emit(data: bytes) -> None:
        try:
            message = json.loads(data)
            record = logging.makeLogRecord({
                "name": RT_LOGGER_NAME, "levelno": int(message["levelno"]),
                "levelname": logging.getLevelName(int(message["levelno"])), "msg": str(message["msg"]),
            })  # stamped on arrival: the leader's log shows when it heard of it
        except (ValueError, KeyError, TypeError):
            return
        # Straight to the root's handlers: the leader's own toil-rt logger may stream (no loops).
        root = logging.getLogger()
        if root.isEnabledFor(record.levelno):
            root.handle(record)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        if self._socket is not None:
            self._socket.close()
