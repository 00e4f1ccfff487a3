"""Toil's ``toil.batchSystems`` import path: batch systems and their extension API."""

from toil.core.services import DeadlockException

__all__ = ["DeadlockException"]
