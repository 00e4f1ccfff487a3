"""What every process the zygote forks does first, and how it calls an in-process command."""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

InProcessFunction = Callable[[list[str]], int]

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
# The zygote's parent-death signal. Not SIGTERM: it also fires when the *thread* that forked the
# zygote exits, so the zygote checks that its parent really changed before stopping.
PDEATH_SIGNAL = signal.SIGUSR2

_libc: Any = None


def prctl(option: int, value: int) -> bool:
    """Call Linux's prctl(2); return False where it is not available (best effort)."""
    global _libc
    try:
        if _libc is None:
            import ctypes

            _libc = ctypes.CDLL(None, use_errno=True)
        return int(_libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def flush_stdio() -> None:
    """Flush Python's stdio buffers so a fork does not write them twice."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()


def load_function(path: str) -> InProcessFunction:
    """Import 'module:function'."""
    module_name, _, attribute = path.partition(":")
    function: InProcessFunction = getattr(importlib.import_module(module_name), attribute)
    return function




def prepare_child(close: list[int], zygote_pid: int) -> None:
    os.setpgid(0, 0)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:  # the zygote died before prctl took effect
        os._exit(1)
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, PDEATH_SIGNAL, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for fd in close:
        with contextlib.suppress(OSError):
            os.close(fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


def call_in_process(function: InProcessFunction, argv: list[str]) -> int:
    """Call an in-process command and turn its result (or SystemExit) into an exit code."""
    result: object
    try:
        result = function(argv)
    except SystemExit as exc:
        result = exc.code
    if result is None:
        return 0
    if isinstance(result, int) and not isinstance(result, bool):
        return result if 0 <= result <= 255 else 1
    print(result, file=sys.stderr)
    return 1
