"""Toil's ``toil.realtimeLogger`` import path: log from inside a running job.

Messages go to the job's log (shown by the leader when the job fails).
"""

from __future__ import annotations

import logging
from typing import Any

_logger = logging.getLogger("toil-rt")


class RealtimeLogger:
    """Class-level logging calls usable from any job: ``RealtimeLogger.info('...')``."""

    @classmethod
    def getLogger(cls) -> logging.Logger:
        return _logger

    @classmethod
    def debug(cls, msg: str, *args: Any) -> None:
        _logger.debug(msg, *args)

    @classmethod
    def info(cls, msg: str, *args: Any) -> None:
        _logger.info(msg, *args)

    @classmethod
    def warning(cls, msg: str, *args: Any) -> None:
        _logger.warning(msg, *args)

    @classmethod
    def error(cls, msg: str, *args: Any) -> None:
        _logger.error(msg, *args)

    @classmethod
    def critical(cls, msg: str, *args: Any) -> None:
        _logger.critical(msg, *args)

    @classmethod
    def exception(cls, msg: str, *args: Any) -> None:
        _logger.exception(msg, *args)
