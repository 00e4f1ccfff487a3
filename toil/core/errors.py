"""The engine's own user-facing errors (``toil.core.console`` shows them as one line).

A leaf: every layer may raise these, so this module imports nothing of the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ToilError(Exception):
    """Base of the engine's own user-facing errors."""


class ToilConfigError(ToilError):
    """A bad option or locator."""


class ToilContextError(ToilError):
    """The API used outside its context."""


class ToilRestartError(ToilError):
    """start/restart asked of a store in the wrong state."""


class FileTransferError(ToilError, OSError):
    """A file could not be imported or exported (a read-only URL, an unreachable server, ...)."""


class MissingFileError(FileTransferError, FileNotFoundError):
    """The path or URL to import names nothing."""


def file_transfer_error(action: str, url: str, error: Exception) -> FileTransferError:
    """Turn an import or export failure into a user error that names the URL."""
    text = str(error) if url in str(error) else f"Cannot {action} '{url}': {error}"
    if isinstance(error, FileNotFoundError):
        return MissingFileError(text)
    return FileTransferError(text)


class FailedJobsException(ToilError):
    """The workflow ended with jobs that failed (Toil's name for it)."""

    def __init__(self, job_store: str, failed_jobs: Sequence[Any], exit_code: int = 1, stuck: int = 0) -> None:
        self.jobStoreLocator = job_store
        self.failed_jobs = list(failed_jobs)
        self.exit_code = exit_code
        if self.failed_jobs:
            first = self.failed_jobs[0]
            more = f" and {len(self.failed_jobs) - 1} more" if len(self.failed_jobs) > 1 else ""
            text = (
                f"The workflow failed: job '{first.name}' ({first.job_id}) failed: {first.reason}{more}. "
                f"The job store {job_store} keeps the state; fix the cause and rerun with --restart"
            )
        else:
            text = (
                f"The workflow cannot complete: {stuck} jobs wait on each other (a cycle through follow-ons "
                f"or promises). The job store is {job_store}"
            )
        super().__init__(text)

    @property
    def numberOfFailedJobs(self) -> int:
        """How many jobs failed (Toil's name)."""
        return len(self.failed_jobs)

    @property
    def msg(self) -> str:
        return str(self)
