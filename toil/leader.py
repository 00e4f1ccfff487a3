"""Toil's ``toil.leader`` import path: the exceptions a workflow run can end with."""

from toil.core.errors import FailedJobsException
from toil.core.services import DeadlockException

__all__ = ["DeadlockException", "FailedJobsException"]
