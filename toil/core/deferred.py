"""Deferred functions, and the last-process-standing cleanup of a workflow's local directory.

Everything lives under the workflow's local directory ``ROOT = <workDir>/toil-<workflow id>``
on each machine:

    ROOT/deferred/<pid>-<random>   the pending deferred functions of one live process,
                                   flock'd by it; created only when a job registers one
    ROOT/arena/lock                taken while joining, and while leaving (and cleaning up)
    ROOT/arena/<pid>-<random>      one per live member process, flock'd by it

A process that dies (even by SIGKILL) loses its locks, so a file whose lock can be taken
belongs to a dead process: its deferred functions are orphans that the next process to
start (or the node cleanup) runs, and its arena entry no longer counts as a member. The
member that leaves last cleans the machine: orphans, the cache, the whole of ROOT.

Locks are ``fcntl.flock`` locks, which belong to the open file description and are shared
by a fork: every descriptor is opened with O_CLOEXEC and closed in forked children, so a
child never keeps its parent's locks alive.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import shutil
import struct
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from toil.core import serialize

logger = logging.getLogger(__name__)

DEFERRED_DIR = "deferred"
ARENA_FILE = "arena.lock"
_HEADER = struct.Struct(">I")
_OPEN_FLAGS = os.O_RDWR | os.O_CLOEXEC
Function = Callable[..., Any]

# Descriptors this process opened and must not hand to a forked child.
_open_fds: set[int] = set()
_pending_files: dict[str, PendingFile] = {}  # by directory, lazily created
_members: dict[str, int] = {}  # arena file -> our descriptor holding its shared lock


def _forget_after_fork() -> None:
    """In a forked child: drop the parent's descriptors (the parent keeps its locks)."""
    for fd in list(_open_fds):
        with contextlib.suppress(OSError):
            os.close(fd)
    _open_fds.clear()
    _pending_files.clear()
    _members.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _open(path: str, flags: int = 0) -> int:
    fd = os.open(path, _OPEN_FLAGS | flags, 0o600)
    _open_fds.add(fd)
    return fd


def _close(fd: int) -> None:
    _open_fds.discard(fd)
    with contextlib.suppress(OSError):
        os.close(fd)


def _unique_name() -> str:
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _lock_if_dead(path: str) -> int | None:
    """Lock a file whose owner is gone and return the descriptor; None if alive or gone."""
    try:
        fd = _open(path)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(fd).st_nlink == 0:  # another process handled and removed it meanwhile
            raise BlockingIOError
    except OSError:
        _close(fd)
        return None
    return fd


def _create_locked(directory: str) -> tuple[int, str]:
    """Create a file already locked (under a hidden name first, so no scanner sees it unlocked)."""
    name = _unique_name()
    hidden = os.path.join(directory, f".{name}")
    fd = _open(hidden, os.O_CREAT | os.O_EXCL)
    fcntl.flock(fd, fcntl.LOCK_EX)
    path = os.path.join(directory, name)
    os.rename(hidden, path)
    return fd, path


# -- deferred functions ---------------------------------------------------------------------
def encode_call(function: Function, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    body = serialize.dumps_plain((function, args, kwargs))
    return _HEADER.pack(len(body)) + body


def decode_calls(data: bytes) -> list[tuple[Function, tuple[Any, ...], dict[str, Any]]]:
    """The calls in a pending file, ignoring a record cut short by a kill."""
    calls = []
    offset = 0
    while len(data) - offset >= _HEADER.size:
        (size,) = _HEADER.unpack_from(data, offset)
        end = offset + _HEADER.size + size
        if end > len(data):
            break
        try:
            calls.append(pickle.loads(data[offset + _HEADER.size : end]))
        except Exception:  # noqa: BLE001 - a function whose module is gone cannot run; say so
            logger.exception("Cannot load a deferred function; skipping it")
        offset = end
    return calls


def run_call(function: Function, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Run one deferred function; log (never raise) its failure."""
    try:
        function(*args, **kwargs)
    except Exception:  # noqa: BLE001 - a failing deferred function must not fail the job
        logger.exception("Deferred function %s failed", getattr(function, "__name__", function))


class PendingFile:
    """This process's file of pending deferred functions in one directory (locked while alive)."""

    def __init__(self, directory: str) -> None:
        os.makedirs(directory, exist_ok=True)
        self.fd, self.path = _create_locked(directory)

    def append(self, record: bytes) -> None:
        os.lseek(self.fd, 0, os.SEEK_END)
        view = memoryview(record)
        while view:
            view = view[os.write(self.fd, view) :]

    def clear(self) -> None:
        os.ftruncate(self.fd, 0)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        _close(self.fd)


class DeferredFunctions:
    """The deferred functions one job registered, also written down for a successor to run."""

    def __init__(self, root: str) -> None:
        self._directory = os.path.join(root, DEFERRED_DIR)
        self._calls: list[tuple[Function, tuple[Any, ...], dict[str, Any]]] = []

    def register(self, function: Function, *args: Any, **kwargs: Any) -> None:
        record = encode_call(function, args, kwargs)  # fails now, in the job, if it cannot pickle
        pending = _pending_files.get(self._directory)
        if pending is None:
            pending = _pending_files[self._directory] = PendingFile(self._directory)
        pending.append(record)
        self._calls.append((function, args, kwargs))

    def run(self) -> None:
        """Run the functions in registration order, then forget them.

        A worker killed while they run leaves them all to the next worker: a deferred
        function runs at least once, so make it safe to repeat (e.g. remove if present).
        """
        calls, self._calls = self._calls, []
        for call in calls:
            run_call(*call)
        pending = _pending_files.get(self._directory)
        if calls and pending is not None:
            pending.clear()


def close_pending(root: str) -> None:
    """Remove this process's pending file (its functions have run)."""
    pending = _pending_files.pop(os.path.join(root, DEFERRED_DIR), None)
    if pending is not None:
        pending.close()


def run_orphans(root: str) -> int:
    """Run the deferred functions of dead processes under root; return how many files it took."""
    directory = os.path.join(root, DEFERRED_DIR)
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return 0
    mine = _pending_files.get(directory)
    taken = 0
    for name in sorted(names):
        path = os.path.join(directory, name)
        # A hidden file is still being created (or its creator died holding nothing): skip it.
        if name.startswith(".") or (mine is not None and path == mine.path):
            continue
        fd = _lock_if_dead(path)
        if fd is None:
            continue
        try:
            with open(fd, "rb", closefd=False) as handle:
                calls = decode_calls(handle.read())
            logger.info("Running %d deferred function(s) left by dead process %s", len(calls), name)
            for call in calls:
                run_call(*call)
            os.unlink(path)
            taken += 1
        finally:
            _close(fd)
    return taken


# -- the arena: who is the last process standing --------------------------------------------
def join(root: str) -> None:
    """Become a live member of root's arena (a no-op when already one): hold its shared lock."""
    path = os.path.join(root, ARENA_FILE)
    if path in _members:
        return
    while True:
        try:
            fd = _open(path, os.O_CREAT)
        except FileNotFoundError:
            os.makedirs(root, exist_ok=True)
            continue
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a leaver cleans up under the exclusive lock
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        _close(fd)  # we locked a file a cleaner has removed since: join the new arena
    _members[path] = fd


def leave(root: str, cleanup: Callable[[str], None]) -> bool:
    """Stop being a member; if no live member is left, run cleanup(root) and return True.

    The leaver turns its shared lock into an exclusive one without waiting: that succeeds
    only when no other process holds the file, alive (dead processes hold no locks). Two
    leavers never both succeed, and a joiner waits until the cleanup is over.
    """
    fd = _members.pop(os.path.join(root, ARENA_FILE), None)
    if fd is None:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # someone is still here: the last one out cleans
        cleanup(root)
        return True
    finally:
        _close(fd)


def clean_node(root: str) -> None:
    """Node cleanup: run orphaned deferred functions, then remove root (cache included)."""
    run_orphans(root)
    logger.debug("Cleaning up %s: the last process of the workflow on this machine left", root)
    shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def membership(root: str) -> Iterator[None]:
    """Be a member of root's arena while inside; the last member out cleans the node."""
    join(root)
    try:
        yield
    finally:
        close_pending(root)
        leave(root, clean_node)
