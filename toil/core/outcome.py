"""What a worker did, as a typed record the leader reads (never text it parses).

A worker runs the job it was issued and, while allowed, the chain of sole successors after
it. Its ``JobOutcome`` says which jobs it committed (their records as committed), the records
of the jobs those commits created, the job that failed and why (the exception's class and
every class it derives from, the message, whether another attempt may mend it), the tail of
the failed job's log, and one ``Attempt`` per job it started with the figures the reports
need (times, CPU, peak memory, bytes read and written, host).

How it reaches the leader: a job run in the leader returns it directly; a batch system that
hears from its workers (the single-machine warm runners) hands it over with the job's exit
(``UpdatedBatchJobInfo.outcome``); otherwise a worker that failed leaves it in the job store
(``logs/outcome-<issued job id>``) and the leader reads it there. Without any of these (a
worker killed outright) the records in the store and the batch system's exit status say
what happened, as after a crash.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from toil.core.description import JobDescription, RecordError

OUTCOME_PREFIX = "outcome-"  # key prefix, in the job store's "logs" namespace, of a failed worker's outcome
OUTCOME_VERSION = 1


def error_kinds(error: BaseException) -> tuple[str, ...]:
    """The qualified names of the error's class and of every class it derives from."""
    return tuple(f"{cls.__module__}.{cls.__qualname__}" for cls in type(error).__mro__ if cls is not object)


@dataclass(frozen=True)
class JobError:
    """Why a job failed: what it raised, and whether another attempt may mend it."""

    job_id: str
    kinds: tuple[str, ...]  # the exception's class first, then its bases (qualified names)
    message: str
    permanent: bool = False  # a PermanentJobFailure: not to be retried

    @classmethod
    def of(cls, job_id: str, error: BaseException, permanent: bool) -> JobError:
        return cls(job_id, error_kinds(error), str(error), permanent)

    @property
    def reason(self) -> str:
        """``ClassName: message``, the line users see."""
        name = self.kinds[0].rsplit(".", 1)[-1] if self.kinds else "Error"
        return f"{name}: {self.message}"

    def raised(self, kind: type[BaseException]) -> bool:
        """Whether the job raised kind (or a subclass of it)."""
        return f"{kind.__module__}.{kind.__qualname__}" in self.kinds

    def raised_named(self, *names: str) -> bool:
        """Whether the job raised a class of one of these plain names (for libraries not imported here)."""
        return any(kind.rsplit(".", 1)[-1] in names for kind in self.kinds)


@dataclass(frozen=True)
class Attempt:
    """One job's run in a worker: the figures per-job reports and traces are made of."""

    job_id: str
    start: float  # wall-clock seconds since the epoch
    end: float
    cpu: float  # user + system seconds of the worker and the processes it waited for
    peak_rss: int  # KiB: high-water mark of the worker process or of its children so far
    read_bytes: int  # rchar of /proc/self/io over the attempt (0 where unknown)
    written_bytes: int
    host: str
    ok: bool


class AttemptMeter:
    """Measures one attempt: create it as the job starts, ``finish`` it as it ends."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        self.start = time.time()
        self._cpu = _cpu_seconds()
        self._io = _io_counters()

    def finish(self, ok: bool) -> Attempt:
        read, written = _io_counters()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return Attempt(
            self.job_id, self.start, time.time(), max(0.0, _cpu_seconds() - self._cpu), max(own, children),
            max(0, read - self._io[0]), max(0, written - self._io[1]), _HOST, ok,
        )


@dataclass
class JobOutcome:
    """What one worker did with the job it was issued (``issued``) and the jobs it chained into."""

    issued: str
    committed: list[JobDescription] = field(default_factory=list)  # in the order they ran, as committed
    created: list[JobDescription] = field(default_factory=list)  # new jobs' records, as first written
    failure: JobError | None = None
    log_tail: str = ""  # the end of the failed job's log
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failure is None

    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "v": OUTCOME_VERSION,
            "issued": self.issued,
            "committed": [_for_leader(record) for record in self.committed],
            "created": [_for_leader(record) for record in self.created],
            "failure": None if self.failure is None else _error_dict(self.failure),
            "log_tail": self.log_tail,
            "attempts": [vars(attempt) for attempt in self.attempts],
        }
        return json.dumps(data, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> JobOutcome:
        """Read an outcome back; anything damaged or foreign raises RecordError."""
        try:
            data = json.loads(raw)
            if data.get("v") != OUTCOME_VERSION:
                raise ValueError(f"version {data.get('v')!r}")
            failure = data["failure"]
            return cls(
                data["issued"],
                [JobDescription.from_dict(item, "in an outcome") for item in data["committed"]],
                [JobDescription.from_dict(item, "in an outcome") for item in data["created"]],
                None if failure is None else JobError(failure["job_id"], tuple(failure["kinds"]),
                                                      failure["message"], bool(failure["permanent"])),
                str(data["log_tail"]),
                [Attempt(**item) for item in data["attempts"]],
            )
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise RecordError(f"a worker's outcome is unreadable: {e}") from None


def _for_leader(record: JobDescription) -> dict[str, Any]:
    """A record as the leader keeps it: no return value, and a body only where the leader runs the job."""
    data = record.to_dict()
    data.pop("res", None)
    if record.ran or not record.local:
        data.pop("bd", None)
    return data


def _error_dict(error: JobError) -> dict[str, Any]:
    return {"job_id": error.job_id, "kinds": list(error.kinds), "message": error.message,
            "permanent": error.permanent}


_HOST = socket.gethostname()


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_io_file: tuple[int, int] | None = None  # (pid, descriptor of /proc/<pid>/io), opened once a process


def _io_counters() -> tuple[int, int]:
    """(rchar, wchar) of this process, from /proc (0, 0 where there is none).

    The file stays open: each pread makes the kernel write it afresh, at a tenth of the
    cost of opening it for every job.
    """
    global _io_file
    pid = os.getpid()
    try:
        if _io_file is None or _io_file[0] != pid:  # a forked child has its own counters
            _io_file = (pid, os.open(f"/proc/{pid}/io", os.O_RDONLY | os.O_CLOEXEC))
        data = os.pread(_io_file[1], 1024, 0)
        read_at, write_at = data.index(b"rchar:") + 6, data.index(b"wchar:") + 6
        return int(data[read_at : data.index(b"\n", read_at)]), int(data[write_at : data.index(b"\n", write_at)])
    except (OSError, ValueError):
        return 0, 0
