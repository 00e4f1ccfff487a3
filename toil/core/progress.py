"""What the leader shows of a run while it runs: a status line on a terminal, else a summary in the log.

On a terminal (stderr is one, and not a dumb one) the status line is drawn with rich's ``Live``
at the bottom of the screen, and while it is there every log line the leader writes to stderr
goes through rich's console, above the line: the two never interleave. A ``--logFile`` or a
pipe never sees the line. Elsewhere (or with ``--disableProgress``) the same figures are logged
as one line every ``--progressInterval`` seconds.

Both are shown from a ``Snapshot`` that toil.core.watch takes on a timer in the leader's loop.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol

from toil.core.requirements import bytes2human

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

logger = logging.getLogger(__name__)

#: seconds between two renders of the status line
LINE_REFRESH = 0.5
DEFAULT_SUMMARY_INTERVAL = 60.0


@dataclass(frozen=True)
class Snapshot:
    """The run's figures at one moment."""

    done: int  # jobs that ran and committed
    running: int  # batch jobs running
    queued: int  # batch jobs issued and not running yet
    retrying: int  # jobs waiting out the back-off before another try
    failed: int  # jobs failed with no tries left
    known: int  # jobs in the graph so far
    growing: bool  # the graph may still grow (a job that has not run may add more)
    cores: float  # cores of the running jobs
    memory: int  # bytes of memory of the running jobs
    max_cores: float | None  # what the batch system allows (None: not limited here)
    max_memory: int | None
    elapsed: float  # seconds since the run started


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _cores(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def total_text(s: Snapshot) -> str:
    """``1,234 of 3,000+ jobs done`` (the ``+`` while the graph may still grow)."""
    return f"{s.done:,} of {s.known:,}{'+' if s.growing else ''} jobs done"


def usage_text(s: Snapshot) -> tuple[str, str]:
    """Cores and memory in use, each of what is allowed where that is known: ``2/8``, ``1.0 GiB/24.0 GiB``."""
    cores = _cores(s.cores) + (f"/{_cores(s.max_cores)}" if s.max_cores is not None else "")
    memory = bytes2human(s.memory) + (f"/{bytes2human(s.max_memory)}" if s.max_memory is not None else "")
    return cores, memory


def describe(s: Snapshot) -> str:
    """The figures as one line of text (the log summary)."""
    jobs = f"{total_text(s)}, {s.running:,} running, {s.queued:,} queued, {s.failed:,} failed"
    if s.retrying:
        jobs += f", {s.retrying:,} to retry"
    cores, memory = usage_text(s)
    return f"{jobs}; cores {cores}, memory {memory} in use; {_clock(s.elapsed)} elapsed"


class Display(Protocol):
    def show(self, snapshot: Snapshot, final: bool = False) -> None: ...

    def close(self) -> None: ...


class LogSummary:
    """A line in the log every ``interval`` seconds of the run, and a last one if any was written."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next = interval
        self._written = False

    def show(self, snapshot: Snapshot, final: bool = False) -> None:
        if final:
            if self._written:
                logger.info("Progress at the end: %s", describe(snapshot))
            return
        if snapshot.elapsed >= self._next:
            self._next = snapshot.elapsed + self.interval
            self._written = True
            logger.info("Progress: %s", describe(snapshot))

    def close(self) -> None:
        pass


def wants_status_line(stream: IO[str]) -> bool:
    """Whether the status line can be drawn on the stream: a terminal that is not a dumb one."""
    try:
        if not stream.isatty():
            return False
    except (AttributeError, ValueError):  # closed, or no file behind it
        return False
    from rich.console import Console

    console = Console(file=stream)
    return console.is_terminal and not console.is_dumb_terminal


class _ConsoleStream:
    """A stream for logging handlers that prints whole lines through rich's console, as they are.

    rich's own FileProxy wraps long lines at the screen's width; a log line is printed with
    soft wrapping (the terminal wraps it, copy and paste get it whole), and no markup.
    """

    def __init__(self, console: Console, original: IO[str]) -> None:
        self._console = console
        self._original = original
        self._buffer = ""

    def write(self, text: str) -> int:
        whole, newline, self._buffer = (self._buffer + text).rpartition("\n")
        if newline:  # a record of many lines in one print: the line is drawn again once, below them
            self._print(whole)
        return len(text)

    def flush(self) -> None:
        """Print what is left of a line (a handler flushes after each record, so normally nothing)."""
        if self._buffer:
            text, self._buffer = self._buffer, ""
            self._print(text)

    def _print(self, text: str) -> None:
        from rich.text import Text

        self._console.print(Text(text), soft_wrap=True, markup=False, highlight=False, emoji=False)

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._original.fileno()


class StatusLine:
    """The line at the bottom of the terminal (rich's Live), with the log printed above it."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.live import Live

        self._stream = stream
        self.console = Console(file=stream)
        self._live: Live | None = Live(console=self.console, auto_refresh=False, transient=False,
                                       redirect_stdout=False, redirect_stderr=True)
        self._started = False
        self._moved: list[tuple[logging.StreamHandler[IO[str]], IO[str] | None]] = []  # handler, its own stream

    def _route_log_handlers(self) -> None:
        """Point the log handlers that write to the terminal at the console (so, above the line)."""
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler) \
                    and handler.stream in (self._stream, sys.__stderr__):
                own = handler.setStream(_ConsoleStream(self.console, self._stream))  # one each: each has its lock
                self._moved.append((handler, own))

    def show(self, snapshot: Snapshot, final: bool = False) -> None:
        if self._live is None:
            return
        if not self._started:
            self._started = True
            self._live.start()
            self._route_log_handlers()
        self._live.update(render(snapshot), refresh=True)

    def close(self) -> None:
        live, self._live = self._live, None
        if live is None:
            return
        live.stop()  # leaves the last line on the screen
        for handler, own in self._moved:
            handler.setStream(own or self._stream)
        self._moved.clear()


def render(s: Snapshot) -> RenderableType:
    """The status line: a bar of the jobs done so far, then the figures."""
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    line = Table.grid(padding=(0, 1))
    line.add_column(no_wrap=True)
    line.add_column(no_wrap=True, overflow="ellipsis")
    bar = ProgressBar(total=max(1, s.known), completed=s.done, width=20, pulse=False)
    words = Text(total_text(s), style="bold")
    words.append(f" · {s.running:,} running · {s.queued:,} queued · ")
    words.append(f"{s.failed:,} failed", style="red" if s.failed else "")
    if s.retrying:
        words.append(f" · {s.retrying:,} to retry", style="yellow")
    cores, memory = usage_text(s)
    words.append(f" · cores {cores} · memory {memory} · {_clock(s.elapsed)}")
    line.add_row(bar, words)
    return line
