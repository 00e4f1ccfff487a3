"""Options declared once: their spellings and defaults (Option), what their words mean.

An Option is both what argparse gets and what reads the parsed value back, so its default is
written in one place. The argparse ``type=`` functions here are the only readers of booleans,
sizes, cores, seconds and log levels for the engine and its plugins, so one word means the same
everywhere.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from toil.core.requirements import RequirementError, human2bytes, parse_bool, parse_cores

#: ``OFF`` is Toil's: no log at all.
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "OFF")
_OFF = logging.CRITICAL + 10

T = TypeVar("T")


@dataclass(frozen=True)
class Option(Generic[T]):
    """One command-line option: its spellings, its default, how argparse reads it, its help."""

    flags: tuple[str, ...]
    default: T
    help: str
    type: Callable[[str], object] | None = None
    #: the attribute of the parsed namespace; "" for argparse's own choice (the first long flag)
    dest: str = ""
    #: argparse's other arguments (nargs, const, action, choices, metavar)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The attribute of the parsed namespace (Toil's name: ``retryCount``, ``logLevel`` ...)."""
        return self.dest or next(f for f in self.flags if f.startswith("--"))[2:].replace("-", "_")

    def add_to(self, group: argparse._ActionsContainer) -> None:
        extra: dict[str, Any] = dict(self.extra)
        if self.type is not None:
            extra["type"] = self.type
        arguments: dict[str, Any] = {"dest": self.name, "default": self.default, "help": self.help, **extra}
        group.add_argument(*self.flags, **arguments)

    def value(self, options: argparse.Namespace) -> T:
        """The option's value; its default when the namespace lacks it (built by another parser)."""
        found: T = vars(options).get(self.name, self.default)
        return found



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


def seconds(text: str) -> float:
    """A number of seconds, zero or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds, zero or more")
    return value


def port(text: str) -> int:
    """A TCP port number; 0 for a free one."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0 to 65535)")
    return value


N = TypeVar("N", int, float)


def _not_negative(text: str, convert: Callable[[str], N], what: str) -> N:
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not {what}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is negative")
    return value


def non_negative(text: str) -> float:
    """A number, zero or more."""
    return _not_negative(text, float, "a number")


def count(text: str) -> int:
    """A whole number, zero or more."""
    return _not_negative(text, int, "a whole number")
def positive_count(text: str) -> int:
    """A whole number, one or more."""
    value = count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is less than 1")
    return value


def flag(*flags: str, help: str, dest: str = "") -> Option[bool]:
    """A boolean option used as ``--x``, ``--x true`` or ``--x=false`` (Toil's spellings); false by default."""
    return Option(flags, False, help, boolean, dest, {"nargs": "?", "const": True, "metavar": "BOOL"})
