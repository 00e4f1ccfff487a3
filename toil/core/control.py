"""A running leader, seen from outside: where it runs, and how ``toil kill`` stops it.

While it runs, the leader keeps ``shared/leader`` (JSON: pid, host, start time) in its job
store. ``toil kill`` sends that pid SIGTERM when it runs on this host, and sets the kill
flag ``shared/kill`` that a leader on another host notices within --kill_polling_interval.
Either way the leader raises WorkflowKilledError in its main thread, which ends the run:
the Toil context shuts the batch system down (killing every job it started) and the user
sees one error line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING

from toil.core import logs, stats
from toil.core.errors import ToilConfigError, ToilError
from toil.core.jobstore import AbstractJobStore, JobStoreError, NoSuchBlobError

if TYPE_CHECKING:
    from collections.abc import Callable

    from toil.core.options import Config

logger = logging.getLogger(__name__)

LEADER_KEY = "leader"
KILL_KEY = "kill"


class WorkflowKilledError(ToilError):
    """The leader was told to stop (toil kill, or SIGTERM)."""


@dataclass(frozen=True)
class LeaderInfo:
    pid: int
    host: str
    started: float

    def is_local(self) -> bool:
        return self.host == socket.gethostname()


def read_leader(store: AbstractJobStore) -> LeaderInfo | None:
    """The leader the store names, if any (it may have died without removing its record)."""
    try:
        data = json.loads(store.get("shared", LEADER_KEY))
        return LeaderInfo(int(data["pid"]), str(data["host"]), float(data["started"]))
    except (NoSuchBlobError, ValueError, KeyError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    """Tell whether a process exists here and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in (b"Z", b"X")


def leader_running(store: AbstractJobStore) -> LeaderInfo | None:
    """The store's leader when it is running (leaders on other hosts are taken at their word)."""
    info = read_leader(store)
    if info is None or (info.is_local() and not pid_alive(info.pid)):
        return None
    return info


def request_kill(store: AbstractJobStore) -> LeaderInfo | None:
    """Set the kill flag and SIGTERM a local leader; return the leader told, None when none runs."""
    info = leader_running(store)
    if info is None:
        return None
    store.put("shared", KILL_KEY, json.dumps({"by": os.getpid(), "host": socket.gethostname(),
                                              "at": time.time()}).encode())
    if info.is_local():
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGTERM)
    return info


class _KillWatcher:
    """Poll the kill flag in a thread; when it is set, SIGTERM this process (the handler raises)."""

    def __init__(self, store: AbstractJobStore, interval: float, tick: Callable[[], None] | None) -> None:
        self.store = store
        self.interval = max(0.05, interval)
        self.tick = tick
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="toil-kill-watcher", daemon=True)

    def _watch(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                flagged = self.store.has("shared", KILL_KEY)
            except Exception:  # noqa: BLE001 - a flaky store read must not end the watcher
                continue
            if flagged:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            if self.tick is not None:
                try:
                    self.tick()
                except Exception:  # noqa: BLE001 - housekeeping must not end the watcher
                    continue


@contextlib.contextmanager
def leader_presence(
    store: AbstractJobStore, kill_polling_interval: float, tick: Callable[[], None] | None = None
) -> Iterator[None]:
    """Publish this leader in the store and stop the run on SIGTERM or the kill flag.

    ``tick`` is called from the watcher thread at every poll (housekeeping such as --writeLogs).
    """
    store.delete("shared", KILL_KEY)  # a flag left from an earlier run is stale
    store.put("shared", LEADER_KEY, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                "started": time.time()}).encode())
    killed = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if killed.is_set():
            return
        killed.set()
        raise WorkflowKilledError(
            f"The workflow was killed (toil kill or SIGTERM); its jobs were stopped. The job store "
            f"{store.locator} keeps its state: rerun with --restart to continue"
        )

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_sigterm) if main_thread else None
    watcher = _KillWatcher(store, kill_polling_interval, tick)
    watcher.thread.start()
    try:
        yield
    finally:
        watcher.stop.set()
        if watcher.thread is not threading.current_thread():
            watcher.thread.join(timeout=5.0)
        if main_thread:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        with contextlib.suppress(Exception):
            store.delete("shared", LEADER_KEY)


# -- the leader's session: everything the reporting options add around a run ------------------
def _realtime_host(jobs_run_here: bool) -> str:
    if jobs_run_here:
        return "127.0.0.1"
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


@contextlib.contextmanager
def leader_session(config: Config, store: AbstractJobStore, jobs_run_here: bool) -> Iterator[dict[str, str]]:
    """Run the leader with toil kill support, --realTimeLogging, --stats and --writeLogs.

    Yields the variables jobs need to stream to this run's real-time log (none without
    --realTimeLogging); ``jobs_run_here``: the batch system runs jobs on this machine.
    """
    log_options = config.log_options
    if log_options.write_logs is not None:
        try:
            os.makedirs(log_options.write_logs, exist_ok=True)
        except OSError as e:
            raise ToilConfigError(f"Cannot write job logs to {log_options.write_logs}: {e.strerror or e}") from None
    server = logs.RealtimeServer(_realtime_host(jobs_run_here)) if log_options.realtime else None
    address = server.start() if server is not None else None
    meter = stats.WorkflowMeter(config.batch_system, config.defaults.cores, config.defaults.memory,
                                config.max_cores) if config.stats else None
    written: set[str] = set()
    lock = threading.Lock()

    def write_logs() -> None:
        with lock:
            logs.write_log_files(store, log_options, written)

    try:
        with leader_presence(store, config.kill_polling_interval, tick=write_logs if log_options.write_logs else None):
            yield logs.realtime_environment(address, config.log_level)
    finally:
        if server is not None:
            server.close()
        try:  # never hide why the run ended behind a failure to report on it
            if meter is not None:
                meter.save(store)
            write_logs()
        except (OSError, JobStoreError) as e:
            logger.warning("Could not save the workflow's statistics or logs: %s", e)
