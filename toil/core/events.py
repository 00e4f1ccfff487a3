"""What the scheduling state machine (toil.core.state) is told, and what it answers.

Events say what happened (the workflow started, a job committed or failed, time passed);
instructions say what the leader is to do (issue a job, run one in the leader, wake later,
report a job given up, ...). Both are small frozen records; toil.core.state exports them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toil.core.description import JobDescription


# -- events -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    root_id: str
    records: list[JobDescription]


@dataclass(frozen=True)
class JobCommitted:
    """The job's worker committed it.

    ``new_records`` are successors the state has not seen; ``chained`` are fresh records of
    jobs it has seen (still waiting) that the same worker ran straight after.
    """

    record: JobDescription
    new_records: list[JobDescription] = field(default_factory=list)
    chained: list[JobDescription] = field(default_factory=list)
    #: a successor the worker chained into that failed: it is charged one try when ready
    failed_successor: str | None = None
    reason: str = ""
    now: float = 0.0
    failed_permanently: bool = False  # the successor's failure is not to be retried


@dataclass(frozen=True)
class JobFailed:
    job_id: str
    now: float
    reason: str = ""
    permanent: bool = False  # the job said another attempt cannot mend it (PermanentJobFailure)


@dataclass(frozen=True)
class Tick:
    now: float


@dataclass(frozen=True)
class ServiceStarted:
    """A service's worker has run its start(): its host's successors may go."""

    job_id: str


Event = Start | JobCommitted | JobFailed | Tick | ServiceStarted


# -- instructions -----------------------------------------------------------------------
@dataclass(frozen=True)
class IssueJob:
    job_id: str


@dataclass(frozen=True)
class RunLocal:
    job_id: str


@dataclass(frozen=True)
class WakeAt:
    when: float


@dataclass(frozen=True)
class JobGaveUp:
    job_id: str
    reason: str


@dataclass(frozen=True)
class WorkflowFinished:
    success: bool


@dataclass(frozen=True)
class StopServices:
    job_ids: list[str]


@dataclass(frozen=True)
class KillJobs:
    """Kill these issued jobs; their outcome no longer matters (a checkpoint restarts)."""

    job_ids: list[str]


@dataclass(frozen=True)
class ResetJob:
    """Write this record: a checkpoint that will run again from scratch."""

    record: JobDescription
    reason: str


Instruction = IssueJob | RunLocal | WakeAt | JobGaveUp | WorkflowFinished | StopServices | KillJobs | ResetJob

