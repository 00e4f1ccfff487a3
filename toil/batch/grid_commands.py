"""Running scheduler commands: the injected runner, retries with back-off, and shared parsing.

A command runner is any callable ``runner(argv, stdin=None) -> CommandResult``; the default
runs the program with ``subprocess``. Tests and the cluster suite pass their own (for example
one that counts calls); nothing here reads global state except the default runner's PATH.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from toil.core.batchsystem import BatchSystemError

logger = logging.getLogger(__name__)

COMMAND_TIMEOUT = 120.0  # seconds a scheduler command may take before it counts as failed


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        text = (self.stderr.strip() or self.stdout.strip()).splitlines()
        detail = text[-1] if text else "no output"
        return f"`{shlex.join(self.argv)}` exited with {self.returncode}: {detail}"


class CommandRunner(Protocol):
    def __call__(self, argv: Sequence[str], stdin: str | None = None) -> CommandResult: ...


def run_command(argv: Sequence[str], stdin: str | None = None) -> CommandResult:
    """Run a scheduler command and capture its output (the default runner)."""
    try:
        done = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                              check=False, env=dict(os.environ))
    except FileNotFoundError:
        return CommandResult(tuple(argv), 127, "", f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return CommandResult(tuple(argv), 124, "", f"timed out after {COMMAND_TIMEOUT:g} s")
    except OSError as e:
        return CommandResult(tuple(argv), 126, "", str(e))
    return CommandResult(tuple(argv), done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing scheduler command is tried again."""

    attempts: int = 5
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0

    def delays(self) -> list[float]:
        delays, delay = [], self.first_delay
        for _ in range(self.attempts - 1):
            delays.append(min(delay, self.max_delay))
            delay *= self.factor
        return delays


class SchedulerCommandError(BatchSystemError):
    """A scheduler command kept failing; ``result`` is its last attempt."""

    def __init__(self, result: CommandResult, attempts: int) -> None:
        self.result = result
        super().__init__(f"{result.describe()} (tried {attempts} times)")


def run_with_retries(
    runner: CommandRunner,
    argv: Sequence[str],
    stdin: str | None = None,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    permanent: Callable[[CommandResult], bool] = lambda result: False,
) -> CommandResult:
    """Run a command, retrying with back-off while it fails; raise SchedulerCommandError at the end.

    ``permanent`` tells failures that another try cannot fix (a refused job); those raise at once.
    """
    delays = policy.delays()
    attempt = 0
    while True:
        attempt += 1
        result = runner(argv, stdin)
        if result.ok:
            return result
        if permanent(result) or not delays:
            raise SchedulerCommandError(result, attempt)
        delay = delays.pop(0)
        logger.warning("%s; trying again in %g s", result.describe(), delay)
        sleep(delay)


# -- parsing helpers shared by the schedulers ------------------------------------------------------
_DURATION = re.compile(r"^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")


def parse_duration(text: str) -> float | None:
    """Parse ``[D-][HH:]MM:SS`` (Slurm, Grid Engine) into seconds; None when not a duration."""
    match = _DURATION.match(text.strip())
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def exit_status_from_wait(status: int) -> int:
    """Turn a raw wait status (``exit << 8 | signal``) into an exit status; signals are negative."""
    signal = status & 0x7F
    return -signal if signal else (status >> 8) & 0xFF


def split_args(text: str | None) -> list[str]:
    """Split extra scheduler arguments given as one string (TOIL_SLURM_ARGS and the like)."""
    return shlex.split(text) if text else []


def job_environment_lines(environment: Mapping[str, str]) -> list[str]:
    """``export NAME='value'`` lines for a job script (names that are not identifiers are refused)."""
    lines = []
    for name, value in environment.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise BatchSystemError(f"cannot pass the environment variable '{name}' to a job: not a valid name")
        lines.append(f"export {name}={shlex.quote(value)}")
    return lines
