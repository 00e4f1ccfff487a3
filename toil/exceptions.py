"""Toil's ``toil.exceptions`` import path."""

from toil.core.errors import FailedJobsException

__all__ = ["FailedJobsException"]
