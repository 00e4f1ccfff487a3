"""Toil's ``toil.batchSystems.cleanup_support`` import path: the base most plugins subclass."""

from __future__ import annotations

from contextlib import AbstractContextManager as ContextManager
from types import TracebackType
from typing import Any

from toil.batchSystems.abstractBatchSystem import BatchSystemSupport, WorkerCleanupInfo


class WorkerCleanupContext:
    """Wrapped around a worker's work; our workers clean up after themselves, so it only records."""

    def __init__(self, workerCleanupInfo: WorkerCleanupInfo) -> None:
        self.workerCleanupInfo = workerCleanupInfo

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class BatchSystemCleanupSupport(BatchSystemSupport):
    """A plugin whose workers take part in cleaning up the node after the workflow."""

    @classmethod
    def supportsWorkerCleanup(cls) -> bool:
        return True

    def getWorkerContexts(self) -> list[ContextManager[Any]]:
        return [WorkerCleanupContext(self.workerCleanupInfo)]


__all__ = ["BatchSystemCleanupSupport", "WorkerCleanupContext"]
