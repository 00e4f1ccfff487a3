"""Toil's ``toil.realtimeLogger`` import path: log from inside a running job.

With ``--realTimeLogging`` each message also goes straight to the leader's log while the
job runs; without it, messages only go to the job's own log (shown by the leader when the
job fails, and kept by --writeLogs).
"""

from __future__ import annotations

import logging
from typing import Any

from toil.core.logs import realtime_logger


class RealtimeLogger:
    """Class-level logging calls usable from any job: ``RealtimeLogger.info('...')``."""

    @classmethod
    def getLogger(cls) -> logging.Logger:
        return realtime_logger()

    @classmethod
    def debug(cls, msg: str, *args: Any) -> None:
        realtime_logger().debug(msg, *args)

    @classmethod
    def info(cls, msg: str, *args: Any) -> None:
        realtime_logger().info(msg, *args)

    @classmethod
    def warning(cls, msg: str, *args: Any) -> None:
        realtime_logger().warning(msg, *args)

    @classmethod
    def error(cls, msg: str, *args: Any) -> None:
        realtime_logger().error(msg, *args)

    @classmethod
    def critical(cls, msg: str, *args: Any) -> None:
        realtime_logger().critical(msg, *args)

    @classmethod
    def exception(cls, msg: str, *args: Any) -> None:
        realtime_logger().exception(msg, *args)
