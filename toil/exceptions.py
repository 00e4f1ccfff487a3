"""Toil's ``toil.exceptions`` import path."""

from toil.core.errors import FailedJobsException
from toil.core.services import DeadlockException

__all__ = ["DeadlockException", "FailedJobsException"]
