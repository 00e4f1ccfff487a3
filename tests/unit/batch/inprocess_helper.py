"""Functions the batch-system tests register as in-process commands."""

from __future__ import annotations

import os
import sys


def record(argv: list[str]) -> int:
    """Write this process's pid and whether the engine was already imported to argv[0]; exit argv[1]."""
    path, code = argv[0], int(argv[1])
    warm = "toil.batch.zygote" in sys.modules
    with open(path, "w") as handle:
        handle.write(f"{os.getpid()} {warm} {os.environ.get('HELPER_VALUE', '')}\n")
    return code


def noop(argv: list[str]) -> int:
    """Do nothing, successfully."""
    return 0


def fail(argv: list[str]) -> int:
    """Raise, to show that an exception becomes exit status 1."""
    raise RuntimeError("deliberate failure in an in-process command")


def has_module(argv: list[str]) -> int:
    """Exit 0 when the module argv[0] is already imported in this process, else 1."""
    return 0 if argv[0] in sys.modules else 1


def disturb(argv: list[str]) -> int:
    """Record pid, cwd and HELPER_VALUE to argv[0], then change cwd and the environment; exit argv[1]."""
    path, code = argv[0], int(argv[1])
    with open(path, "w") as handle:
        handle.write(f"{os.getpid()} {os.getcwd()} {os.environ.get('HELPER_VALUE', '-')}\n")
    os.chdir("/")
    os.environ["HELPER_VALUE"] = "changed-by-a-job"
    if len(argv) > 2 and argv[2] == "thread":
        import threading
        import time

        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    if len(argv) > 2 and argv[2] == "timer":  # as cwltool's memory watcher: cancelled as the job returns
        import threading

        timer = threading.Timer(1.0, lambda: None)
        timer.start()
        timer.cancel()
    return code


def report(argv: list[str]) -> int:
    """Hand an outcome naming argv[0] to this process's outcome channel (as a worker does); exit argv[1]."""
    from toil.core import worker
    from toil.core.outcome import JobOutcome

    worker.deliver(None, JobOutcome(argv[0]))  # type: ignore[arg-type]  # a store only without a channel
    return int(argv[1])
