"""Toil's ``toil.batchSystems.abstractBatchSystem`` import path: the batch-system extension API.

A third-party batch system written for Toil subclasses ``BatchSystemSupport`` (or
``toil.batchSystems.cleanup_support.BatchSystemCleanupSupport``) and implements Toil's
methods: ``issueBatchJob(command, job_desc, job_environment)``, ``killBatchJobs``,
``getIssuedBatchJobIDs``, ``getRunningBatchJobIDs``, ``getUpdatedBatchJob(maxWait)`` and
``shutdown``. Registered with ``toil.batchSystems.registry.add_batch_system_factory``, it runs
on our core through ``toil.batchSystems.registry``'s adapter. Toil's internals around these
(the message bus, hot-deployed user scripts, node scaling) are not part of this engine.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from argparse import ArgumentParser, _ArgumentGroup
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from typing import Any, NamedTuple

from toil.core.batchsystem import BatchJobExitReason, InsufficientSystemResources, UpdatedBatchJobInfo

EXIT_STATUS_UNAVAILABLE_VALUE = 255


class WorkerCleanupInfo(NamedTuple):
    """What a worker needs to clean up after the last job of a workflow on its node."""

    work_dir: str | None
    coordination_dir: str | None
    workflow_id: str
    clean_work_dir: str


class AbstractBatchSystem(ABC):
    """Toil's interface of a batch system, as plugins implement it."""

    @classmethod
    def supportsAutoDeployment(cls) -> bool:
        return False

    @classmethod
    def supportsWorkerCleanup(cls) -> bool:
        return False

    @abstractmethod
    def issueBatchJob(self, command: str, job_desc: Any, job_environment: dict[str, str] | None = None) -> int:
        """Start the command for the job; return its batch id."""

    @abstractmethod
    def killBatchJobs(self, jobIDs: list[int]) -> None:
        """Kill the jobs; they are not reported by getUpdatedBatchJob."""

    @abstractmethod
    def getIssuedBatchJobIDs(self) -> list[int]:
        """The jobs issued and not yet reported."""

    @abstractmethod
    def getRunningBatchJobIDs(self) -> dict[int, float]:
        """The running jobs and how long each has run, in seconds."""

    @abstractmethod
    def getUpdatedBatchJob(self, maxWait: int) -> UpdatedBatchJobInfo | None:
        """One job that finished, waiting at most maxWait seconds; None if none did."""

    def getSchedulingStatusMessage(self) -> str | None:
        return None

    @abstractmethod
    def shutdown(self) -> None:
        """Stop everything and release every resource."""

    @abstractmethod
    def setEnv(self, name: str, value: str | None = None) -> None:
        """Set an environment variable for the jobs issued from now on."""

    @classmethod
    def add_options(cls, parser: ArgumentParser | _ArgumentGroup) -> None:
        """Add the batch system's own options."""

    @classmethod
    def setOptions(cls, setOption: Callable[..., None]) -> None:
        """Take the batch system's options into the config (Toil's OptionSetter protocol)."""

    def getWorkerContexts(self) -> list[ContextManager[Any]]:
        """Context managers a worker wraps its work in."""
        return []


class BatchSystemSupport(AbstractBatchSystem):
    """The common part of a plugin: its limits, its environment and the resource check."""

    def __init__(self, config: Any, maxCores: float, maxMemory: float, maxDisk: int) -> None:
        super().__init__()
        self.config = config
        self.maxCores = maxCores
        self.maxMemory = maxMemory
        self.maxDisk = maxDisk
        self.environment: dict[str, str] = {}
        self.workerCleanupInfo = WorkerCleanupInfo(
            work_dir=getattr(config, "workDir", None),
            coordination_dir=getattr(config, "coordination_dir", None),
            workflow_id=getattr(config, "workflowID", ""),
            clean_work_dir=getattr(config, "cleanWorkDir", "always"),
        )

    def check_resource_request(self, requirer: Any) -> None:
        """Raise InsufficientSystemResources when the job asks for more than the limits."""
        for resource, limit in (("cores", self.maxCores), ("memory", self.maxMemory), ("disk", self.maxDisk)):
            wanted = getattr(requirer, resource)
            if limit is not None and wanted > limit:
                name = getattr(requirer, "displayName", "job")
                raise InsufficientSystemResources(name, resource, wanted, limit, "this batch system")

    def setEnv(self, name: str, value: str | None = None) -> None:
        if value is None:
            if name not in os.environ:
                raise RuntimeError(f"{name} does not exist in the current environment")
            value = os.environ[name]
        self.environment[name] = value

    def get_batch_logs_dir(self) -> str:
        """Where the batch system may put its jobs' standard output and error."""
        return str(getattr(self.config, "batch_logs_dir", None) or getattr(self.config, "workDir", None) or ".")

    @staticmethod
    def workerCleanup(info: WorkerCleanupInfo) -> None:
        """Nothing to do: our workers remove their own scratch directories."""


__all__ = [
    "EXIT_STATUS_UNAVAILABLE_VALUE",
    "AbstractBatchSystem",
    "BatchJobExitReason",
    "BatchSystemSupport",
    "InsufficientSystemResources",
    "UpdatedBatchJobInfo",
    "WorkerCleanupInfo",
]
