"""The ``file:`` job store: a directory on a local or shared filesystem.

Layout under the store's directory::

    .toil-jobstore            marker (JSON: format and version); its presence makes a job store
    .leader.lock              flock'ed by the leader for as long as it lives
    .leader.owner             who holds the lock, for the error message of a second leader
    <namespace>/<fan>/<key>   small blobs; <fan> is two hex digits of a CRC of the key
    files/<fan>/<name>        user files; <name> is the file id with '/' replaced by '.'

Every write goes to a temporary sibling (its name contains '~', which no key or file id
may contain) and is renamed over the target, so readers see old or new content, never a
mix, and a crashed writer leaves at worst an ignored temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import json
import os
import shutil
import sys
import weakref
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import IO

from toil.core.jobstore import (
    NAMESPACES,
    AbstractJobStore,
    JobStoreCreationError,
    JobStoreExistsError,
    JobStoreLockedError,
    Namespace,
    NoSuchBlobError,
    NoSuchFileError,
    NoSuchJobStoreError,
    NotAJobStoreError,
)
from toil.stores import staging
from toil.stores.atomic import atomic_copy, atomic_link_or_copy, temp_name
from toil.stores.names import check_file_id, check_key, new_file_id

MARKER = ".toil-jobstore"
LOCK_FILE = ".leader.lock"
OWNER_FILE = ".leader.owner"
FILES_DIR = "files"
FORMAT = "toil-file-jobstore"
# Version 1 fanned blobs and files out into 256 subdirectories per namespace; version 2 into 16,
# because a workflow of a few hundred jobs then made a directory for nearly every job, and making
# directories is slow on a busy local filesystem (ext4 holds all of them well up to millions).
VERSION = 2



class NonEmptyDirectoryError(JobStoreExistsError, NotAJobStoreError):
    """create() found a non-empty directory that is not a job store."""

    def __init__(self, locator: str, path: str) -> None:
        NotAJobStoreError.__init__(
            self,
            f"Cannot create the job store '{locator}': the directory {path} already exists, is not empty "
            "and is not a job store; choose a new path or an empty directory.",
        )
        self.locator = locator


def _fan(name: str, width: int) -> str:
    """The fan-out subdirectory of a blob: ``width`` hex digits of its key's CRC-32."""
    return format(zlib.crc32(name.encode()) & ((1 << (4 * width)) - 1), f"0{width}x")


# Stores holding a leader lock in this process; a forked child closes their lock fds.
_LOCKED_STORES: weakref.WeakSet[FileJobStore] = weakref.WeakSet()


def _close_lock_fds_in_child() -> None:
    for store in list(_LOCKED_STORES):
        store._forget_lock_after_fork()
    _LOCKED_STORES.clear()


os.register_at_fork(after_in_child=_close_lock_fds_in_child)


class FileJobStore(AbstractJobStore):
    """A job store kept in a directory; fast on a local disk, usable on a shared filesystem."""

    def __init__(self, locator: str, path: str) -> None:
        super().__init__(locator)
        self.path = os.path.abspath(os.path.expanduser(path))
        self._marker = os.path.join(self.path, MARKER)
        self._files_dir = os.path.join(self.path, FILES_DIR)
        self._ns_dirs: dict[str, str] = {ns: os.path.join(self.path, ns) for ns in NAMESPACES}
        self._lock_fd: int | None = None
        # Fan-out directories of user files known to exist, to spare a mkdir per write.
        self._made_dirs: set[str] = set()
        self._fan_width = 1  # hex digits naming a fan-out directory: 2 in a version-1 store

    # -- life cycle -------------------------------------------------------------------
    def create(self) -> None:
        if os.path.exists(self._marker):
            raise JobStoreExistsError(self.locator)
        try:
            os.makedirs(self.path, exist_ok=True)
            occupied = bool(os.listdir(self.path))
        except FileExistsError as e:
            raise JobStoreCreationError(
                f"Cannot create the job store '{self.locator}': {self.path} exists and is not a directory."
            ) from e
        except OSError as e:
            raise self._creation_error(e) from e
        if occupied:
            raise NonEmptyDirectoryError(self.locator, self.path)
        self._made_dirs.clear()
        content = json.dumps({"format": FORMAT, "version": VERSION}).encode()
        try:
            fd = os.open(self._marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except FileExistsError as e:
            raise JobStoreExistsError(self.locator) from e
        except OSError as e:
            raise self._creation_error(e) from e
        try:
            os.write(fd, content)
        finally:
            os.close(fd)
        try:
            for directory in [self._files_dir, *self._ns_dirs.values()]:
                os.makedirs(directory, exist_ok=True)
        except OSError as e:
            raise self._creation_error(e) from e

    def _creation_error(self, e: OSError) -> JobStoreCreationError:
        where = f" ({e.filename})" if e.filename and e.filename != self.path else ""
        return JobStoreCreationError(
            f"Cannot create the job store '{self.locator}' at {self.path}: {e.strerror or e}{where}."
        )

    def resume(self) -> None:
        if not os.path.lexists(self.path):
            raise NoSuchJobStoreError(self.locator)
        try:
            with open(self._marker, "rb") as f:
                raw = f.read()
        except (FileNotFoundError, NotADirectoryError) as e:
            raise NotAJobStoreError(
                f"'{self.locator}' exists but is not a job store (no {MARKER} in {self.path})."
            ) from e
        try:
            info = json.loads(raw)
            version = int(info["version"])
        except (ValueError, KeyError, TypeError) as e:
            raise NotAJobStoreError(f"The job store '{self.locator}' has a damaged marker file {self._marker}.") from e
        if version > VERSION:
            raise NotAJobStoreError(
                f"The job store '{self.locator}' has format version {version}, newer than this Toil "
                f"supports ({VERSION}); use a newer Toil."
            )
        self._fan_width = 2 if version == 1 else 1

    def exists(self) -> bool:
        return os.path.isfile(self._marker)

    def destroy(self) -> None:
        self.release_leader_lock()
        self._made_dirs.clear()
        if not os.path.lexists(self.path):
            return
        if not os.path.isdir(self.path) or (not os.path.exists(self._marker) and os.listdir(self.path)):
            raise NotAJobStoreError(f"Refusing to delete '{self.locator}': {self.path} is not a job store.")
        # The marker goes last, so an interrupted destroy leaves something destroy accepts.
        for attempt in range(5):
            try:
                names = os.listdir(self.path)
            except FileNotFoundError:
                return
            _remove_trees([os.path.join(self.path, name) for name in names if name != MARKER])
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._marker)
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError as e:
                # Someone wrote into the store while it was being removed: go round again.
                if e.errno != errno.ENOTEMPTY or attempt == 4:
                    raise

    # -- leader lock ------------------------------------------------------------------
    def acquire_leader_lock(self, owner: str) -> None:
        """Take the leader lock with flock; the kernel drops it when the process dies.

        The lock fd is close-on-exec, and a forked child closes it (os.register_at_fork),
        so neither a worker started by exec nor one forked from the leader keeps the lock
        alive after the leader dies. Children forked without running Python's at-fork
        hooks must close ``lock_fd()`` themselves.
        """
        if self._lock_fd is not None:
            self._write_owner(owner)
            return
        lock_path = os.path.join(self.path, LOCK_FILE)
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except (FileNotFoundError, NotADirectoryError) as e:
            raise NoSuchJobStoreError(self.locator) from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JobStoreLockedError(
                f"The job store '{self.locator}' is in use by another leader ({self._read_owner()}); "
                "wait for it to finish or stop it with toil kill."
            ) from None
        except BaseException:
            os.close(fd)
            raise
        self._lock_fd = fd
        _LOCKED_STORES.add(self)
        self._write_owner(owner)

    def release_leader_lock(self) -> None:
        fd = self._lock_fd
        if fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.path, OWNER_FILE))
        self._lock_fd = None
        _LOCKED_STORES.discard(self)
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def lock_fd(self) -> int | None:
        """Return the fd holding the leader lock (None when not held), for a forker to close."""
        return self._lock_fd

    def _forget_lock_after_fork(self) -> None:
        # Closing (never LOCK_UN, which would free the parent's lock) drops the child's reference.
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _write_owner(self, owner: str) -> None:
        path = os.path.join(self.path, OWNER_FILE)
        self._write_atomic(path, owner.encode("utf-8", "replace"))

    def _read_owner(self) -> str:
        try:
            with open(os.path.join(self.path, OWNER_FILE), encoding="utf-8", errors="replace") as f:
                return f.read().strip() or "owner unknown"
        except OSError:
            return "owner unknown"

    # -- small blobs ------------------------------------------------------------------
    def _blob_path(self, namespace: Namespace, key: str) -> str:
        try:
            ns_dir = self._ns_dirs[namespace]
        except KeyError:
            raise ValueError(f"Unknown job store namespace '{namespace}'.") from None
        check_key(key)
        return f"{ns_dir}/{_fan(key, self._fan_width)}/{key}"

    @staticmethod
    def _write_atomic(path: str, data: bytes) -> None:
        tmp = temp_name(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            fd = os.open(tmp, flags, 0o644)
        except FileNotFoundError:
            # The fan-out directory is created on first use; exist_ok makes racing creators agree.
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(tmp, flags, 0o644)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def put(self, namespace: Namespace, key: str, data: bytes) -> None:
        self._write_atomic(self._blob_path(namespace, key), data)

    def commit_record(self, key: str, data: bytes) -> None:
        """Append the committed version to the job's record, in one write (no inode made or freed).

        A write cut short leaves a torn last line, which readers skip: the commit then did not
        happen, and the caller hears of the error.
        """
        path = self._blob_path("jobs", key)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        except FileNotFoundError:
            self.put("jobs", key, data)
            return
        try:
            line = b"\n" + data
            if os.write(fd, line) != len(line):
                raise OSError(errno.ENOSPC, f"Could not append the whole record {key}")
        finally:
            os.close(fd)

    def get(self, namespace: Namespace, key: str) -> bytes:
        try:
            with open(self._blob_path(namespace, key), "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise NoSuchBlobError(namespace, key) from None

    def get_many(self, namespace: Namespace, keys: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """Read PARALLEL_READS blobs at once: on a cold cache each read waits on the disk."""
        with ThreadPoolExecutor(PARALLEL_READS, thread_name_prefix="toil-read") as pool:
            for batch in itertools.batched(keys, READ_BATCH) if hasattr(itertools, "batched") else _batches(keys):
                for key, data in zip(batch, pool.map(self._get_or_none, [namespace] * len(batch), batch),
                                     strict=True):
                    if data is not None:
                        yield key, data

    def _get_or_none(self, namespace: Namespace, key: str) -> bytes | None:
        try:
            return self.get(namespace, key)
        except NoSuchBlobError:
            return None

    def has(self, namespace: Namespace, key: str) -> bool:
        return os.path.isfile(self._blob_path(namespace, key))

    def delete(self, namespace: Namespace, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._blob_path(namespace, key))

    def keys(self, namespace: Namespace) -> Iterator[str]:
        if namespace not in self._ns_dirs:
            raise ValueError(f"Unknown job store namespace '{namespace}'.")
        return _list_fanned(self._ns_dirs[namespace])

    # -- user files -------------------------------------------------------------------
    def new_file_id(self, basename: str | None = None) -> str:
        return new_file_id(basename)

    def _file_path(self, file_id: str) -> str:
        match = check_file_id(file_id)
        hex_id = match.group(1)
        name = hex_id if match.group(2) is None else f"{hex_id}.{match.group(2)}"
        return f"{self._files_dir}/{hex_id[: self._fan_width]}/{name}"

    def _file_dest(self, file_id: str | None) -> tuple[str, str]:
        if file_id is None:
            file_id = self.new_file_id()
        path = self._file_path(file_id)
        directory = path[: path.rindex("/")]
        if directory not in self._made_dirs:
            os.makedirs(directory, exist_ok=True)
            self._made_dirs.add(directory)
        return file_id, path

    def write_file(self, local_path: str, file_id: str | None = None, owned: bool = False) -> str:
        file_id, path = self._file_dest(file_id)
        if owned:
            atomic_link_or_copy(local_path, path)
        else:
            atomic_copy(local_path, path)
        return file_id

    def link_import(self, local_path: str, file_id: str) -> bool:
        if not staging.linkable(local_path):
            return False
        file_id, path = self._file_dest(file_id)
        self.put("shared", staging.record_key(file_id), staging.link_in(local_path, path, file_id))
        return True

    def changed_imports(self) -> list[str]:
        return staging.changed_imports(self, self._file_path)

    def read_file(self, file_id: str, local_path: str, link: bool = False) -> None:
        """Copy (or with ``link``, hard-link) a stored file to local_path, replacing it.

        A linked copy shares the stored inode: the caller must not modify it in place.
        """
        src = self._file_path(file_id)
        try:
            if link:
                src = os.path.realpath(src)  # an input linked in: link to the user's file itself
                atomic_link_or_copy(src, local_path)
            else:
                atomic_copy(src, local_path)
        except FileNotFoundError:
            if not os.path.exists(src):
                raise NoSuchFileError(file_id) from None
            raise

    @contextlib.contextmanager
    def write_file_stream(self, file_id: str | None = None) -> Iterator[tuple[IO[bytes], str]]:
        file_id, path = self._file_dest(file_id)
        tmp = temp_name(path)
        try:
            with open(tmp, "wb") as f:
                yield f, file_id
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def read_file_stream(self, file_id: str) -> Iterator[IO[bytes]]:
        try:
            f = open(self._file_path(file_id), "rb")  # noqa: SIM115 - yielded to the caller
        except FileNotFoundError:
            raise NoSuchFileError(file_id) from None
        with f:
            yield f

    def file_exists(self, file_id: str) -> bool:
        return os.path.isfile(self._file_path(file_id))

    def file_size(self, file_id: str) -> int:
        try:
            return os.stat(self._file_path(file_id)).st_size
        except FileNotFoundError:
            raise NoSuchFileError(file_id) from None

    def delete_file(self, file_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._file_path(file_id))

    def file_ids(self) -> Iterator[str]:
        for name in _list_fanned(self._files_dir):
            yield name if len(name) == 32 else f"{name[:32]}/{name[33:]}"

    def local_path(self, file_id: str) -> str | None:
        path = self._file_path(file_id)
        return path if os.path.isfile(path) else None

    def local_directory(self) -> str | None:
        return self.path


#: blobs get_many reads at once, and how many it asks for before yielding (bounded memory)
PARALLEL_READS, READ_BATCH = 16, 1024


def _batches(keys: Iterable[str]) -> Iterator[tuple[str, ...]]:
    """itertools.batched(keys, READ_BATCH), which Python 3.12 has."""
    iterator = iter(keys)
    while batch := tuple(itertools.islice(iterator, READ_BATCH)):
        yield batch


def _list_fanned(directory: str) -> Iterator[str]:
    """Yield the finished (non-temporary) names in the fan-out subdirectories of directory."""
    try:
        fans = [entry.path for entry in os.scandir(directory) if entry.is_dir()]
    except FileNotFoundError:
        return
    for fan in fans:
        try:
            names = os.listdir(fan)
        except FileNotFoundError:
            continue
        for name in names:
            if "~" not in name:
                yield name


def _ignore_missing(function: object, path: str, exc: BaseException) -> None:
    if not isinstance(exc, FileNotFoundError):
        raise exc


if sys.version_info >= (3, 12):

    def _rmtree(path: str) -> None:
        shutil.rmtree(path, onexc=_ignore_missing)

else:

    def _rmtree(path: str) -> None:
        shutil.rmtree(path, onerror=lambda function, target, info: _ignore_missing(function, target, info[1]))


def _remove_tree(path: str) -> None:
    """Remove a file or a directory tree; whatever vanishes meanwhile is no error."""
    if os.path.isdir(path) and not os.path.islink(path):
        _rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


#: directories emptied at once by destroy(). An unlink waits on the disk (2 ms each on a busy
#: virtual disk: 40 minutes for a million records one after another) and holds its directory's
#: lock, so emptying the fan-out directories side by side is what makes removal fast.
REMOVAL_THREADS = 32


def _remove_trees(paths: list[str]) -> None:
    """Remove files and directory trees, emptying their directories in parallel (a pool of threads)."""
    directories: list[str] = []
    with ThreadPoolExecutor(REMOVAL_THREADS, thread_name_prefix="toil-destroy") as pool:
        pending = {pool.submit(_empty_directory, path) for path in paths}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                subdirectories = future.result()
                directories.extend(subdirectories)
                pending.update(pool.submit(_empty_directory, sub) for sub in subdirectories)
    for directory in [*reversed(directories), *paths]:  # children before their parents
        _remove_tree(directory)  # empty by now: an rmdir (or what a late writer left there)


def _empty_directory(path: str) -> list[str]:
    """Unlink the files in directory path (or path itself, when not a directory); return its subdirectories."""
    subdirectories: list[str] = []
    if os.path.islink(path):  # never follow a link into what is not the store's
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return subdirectories
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    subdirectories.append(entry.path)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
    except NotADirectoryError:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    except FileNotFoundError:
        pass
    return subdirectories
