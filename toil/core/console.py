"""What the user sees on the leader's console: errors as one clear line, and the log's handlers.

A script that uses the Toil API lets our exceptions escape ``toil.start()``; the hook
installed here prints them as ``toil: error: ...`` and exits 1. With ``--logDebug`` the
full traceback is kept.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from toil.core.batchsystem import BatchSystemError, InsufficientSystemResources
from toil.core.description import RecordError
from toil.core.errors import ToilError
from toil.core.job import JobException
from toil.core.jobstore import JobStoreError
from toil.core.optiontypes import level_number
from toil.core.requirements import RequirementError

LOG_FORMAT = "[%(asctime)s] [%(threadName)s] [%(levelname).1s] [%(name)s] %(message)s"

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
    root.setLevel(level_number(level))
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
