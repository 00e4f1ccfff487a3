"""The batch-system contract: how the leader runs worker commands somewhere."""

from __future__ import annotations

import abc
import argparse
import enum
from dataclasses import dataclass, field
from typing import Any

from toil.core.requirements import Requirements


class BatchJobExitReason(enum.IntEnum):
    """Why a batch job stopped, as Toil names the reasons."""

    FINISHED = 1  # ran to the end (exit status tells success)
    FAILED = 2  # the batch system saw it fail
    LOST = 3  # the batch system lost track of it
    KILLED = 4  # killed on request
    ERROR = 5  # the batch system could not run it
    MEMLIMIT = 6  # killed for using too much memory
    MISSING = 7  # not found where it should be
    MAXJOBDURATION = 8  # ran past --maxJobDuration
    PARTITION = 9  # the scheduler's partition refused it


@dataclass(frozen=True)
class UpdatedBatchJobInfo:
    jobID: int
    exitStatus: int
    exitReason: BatchJobExitReason | None
    wallTime: float | None
    #: the worker's JobOutcome (toil.core.outcome), as its bytes, from a batch system that hears
    #: from its workers; None where the worker leaves it in the job store (or could not say)
    outcome: bytes | None = None


@dataclass(frozen=True)
class BatchJobSpec:
    """One thing to run: the command and what it needs."""

    job_id: str  # the workflow's id for the job, for logs and names
    name: str
    command: str
    requirements: Requirements
    environment: dict[str, str] = field(default_factory=dict)


class InsufficientSystemResources(Exception):
    """A job asks for more than the batch system can ever give it."""

    def __init__(
        self, job_name: str, resource: str, requested: Any, available: Any, where: str = "this machine"
    ) -> None:
        self.job_name = job_name
        self.resource = resource
        self.requested = requested
        self.available = available
        super().__init__(
            f"The job '{job_name}' asks for {requested} {resource}, but {where} can give at most {available} "
            f"(see --max{resource.capitalize() if resource != 'accelerators' else 'Accelerators'})."
        )


class BatchSystemError(Exception):
    """The batch system cannot do what was asked; the message is one clear line."""


class AbstractBatchSystem(abc.ABC):
    """What the leader needs from anything that runs jobs."""

    def __init__(self, settings: BatchSystemSettings) -> None:
        """Build the batch system (the plugin registry does, with the leader's settings)."""

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        """Add this batch system's own options (its settings section) to the parser."""

    @abc.abstractmethod
    def check_resource_request(self, spec: BatchJobSpec) -> None:
        """Raise InsufficientSystemResources when the job can never run here."""

    @abc.abstractmethod
    def issueBatchJob(self, spec: BatchJobSpec) -> int:
        """Start (or queue) a job and return its batch id."""

    @abc.abstractmethod
    def killBatchJobs(self, jobIDs: list[int]) -> None:
        """Kill the jobs and wait until they are gone; their updates are not reported."""

    @abc.abstractmethod
    def getIssuedBatchJobIDs(self) -> list[int]:
        """Return the ids of jobs issued and not yet reported as done."""

    @abc.abstractmethod
    def getRunningBatchJobIDs(self) -> dict[int, float]:
        """Return the running jobs and how many seconds each has run."""

    @abc.abstractmethod
    def getUpdatedBatchJob(self, maxWait: float) -> UpdatedBatchJobInfo | None:
        """Return one finished job, waiting at most maxWait seconds; None if none finished."""

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Kill what still runs and release every resource."""

    def setEnv(self, name: str, value: str | None = None) -> None:
        """Set an environment variable for every job issued from now on."""
        self.environment[name] = value if value is not None else _environ_value(name)

    environment: dict[str, str]

    def resource_limits(self) -> tuple[float | None, int | None]:
        """The cores and memory (bytes) all jobs may use at once here; None where nothing limits them."""
        return None, None

    def supportsAutoDeployment(self) -> bool:
        return False

    def supportsWorkerCleanup(self) -> bool:
        return False

    @classmethod
    def runs_jobs_here(cls) -> bool:
        """Tell whether jobs run on the leader's machine (they reach it at 127.0.0.1, see its files)."""
        return False


def _environ_value(name: str) -> str:
    import os

    if name not in os.environ:
        raise BatchSystemError(f"--setEnv {name} has no value and {name} is not set in the leader's environment")
    return os.environ[name]


@dataclass(frozen=True)
class BatchSystemSettings:
    """What every batch system is built from; its own options are in ``options``."""

    max_cores: float | None  # None: all of the machine (or cluster default)
    max_memory: int | None
    max_disk: int | None
    work_dir: str  # a directory the leader may use for the batch system's files
    options: argparse.Namespace = field(default_factory=argparse.Namespace)
    #: the workflow's job store as workers must name it (absolute for file: stores); "" when none
    job_store: str = ""
