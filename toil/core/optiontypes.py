"""What an option's words mean: argparse ``type=`` functions, and the log-level names.

Every option of the engine and its plugins that takes a boolean, a size, a number of cores or
seconds, or a log level reads it here, so one word means the same everywhere.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TypeVar

from toil.core.requirements import RequirementError, human2bytes, parse_bool, parse_cores

#: ``OFF`` is Toil's: no log at all.
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "OFF")
_OFF = logging.CRITICAL + 10

T = TypeVar("T")


def level_number(name: str) -> int:
    """The logging level of a level name (``OFF`` above every level; an unknown name is INFO)."""
    name = name.upper()
    if name == "OFF":
        return _OFF
    number = logging.getLevelName(name)
    return number if isinstance(number, int) else logging.INFO


def _argument(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a parser that raises RequirementError."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except RequirementError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    convert.__name__ = parse.__name__
    return convert


boolean = _argument(parse_bool)
size = _argument(human2bytes)
cores = _argument(parse_cores)


def log_size(text: str) -> int:
    """A size that may be negative (--maxLogFileSize: a negative size keeps the log's start)."""
    negative = text.strip().startswith("-")
    return -1 * size(text.strip().lstrip("-")) if negative else size(text.strip())


def log_level(text: str) -> str:
    level = text.upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"invalid log level '{text}' (choose from {', '.join(LOG_LEVELS)})")
    return level


def env_pair(text: str) -> tuple[str, str | None]:
    name, sep, value = text.partition("=")
    if not name:
        raise argparse.ArgumentTypeError(f"--setEnv wants NAME=VALUE or NAME, got '{text}'")
    return name, (value if sep else None)


def duration(text: str) -> float:
    """A positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of seconds")
    return value


def count(text: str) -> int:
    """A whole number, zero or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is negative")
    return value
