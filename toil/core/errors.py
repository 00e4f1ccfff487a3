"""The errors users see, and how they see them: one clear line, no traceback.

A script that uses the Toil API lets our exceptions escape ``toil.start()``; the hook
installed here prints them as ``toil: error: ...`` and exits 1. With ``--logDebug`` the
full traceback is kept.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from toil.core.batchsystem import BatchSystemError, InsufficientSystemResources
from toil.core.description import RecordError
from toil.core.job import JobException
from toil.core.jobstore import JobStoreError
from toil.core.requirements import RequirementError

LOG_FORMAT = "[%(asctime)s] [%(threadName)s] [%(levelname).1s] [%(name)s] %(message)s"


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


USER_ERRORS: tuple[type[BaseException], ...] = (
    ToilError,
    JobStoreError,
    InsufficientSystemResources,
    BatchSystemError,
    JobException,
    RequirementError,
    RecordError,
)

_previous_hook = sys.excepthook


def _hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if isinstance(value, USER_ERRORS):
        sys.stderr.write(f"toil: error: {value}\n")
        sys.stderr.flush()
        return
    _previous_hook(kind, value, tb)


def install_excepthook(debug: bool) -> None:
    """Show the engine's errors as one line unless debugging."""
    sys.excepthook = _previous_hook if debug else _hook


def configure_logging(level: str, log_file: str | None = None) -> None:
    """Set the leader's log level and handlers (stderr, and the --logFile if any)."""
    root = logging.getLogger()
    numeric = logging.CRITICAL + 10 if level == "OFF" else getattr(logging, level, logging.INFO)
    root.setLevel(numeric)
    formatter = logging.Formatter(LOG_FORMAT)
    if not any(getattr(h, "_toil", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter)
        handler._toil = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    if log_file and not any(getattr(h, "_toil_file", None) == log_file for h in root.handlers):
        file_handler = logging.FileHandler(log_file)
        file_handler.setFormatter(formatter)
        file_handler._toil_file = log_file  # type: ignore[attr-defined]
        root.addHandler(file_handler)
