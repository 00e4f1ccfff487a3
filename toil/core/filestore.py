"""The file API a running job sees (Toil's fileStore): global files, temp files, logging."""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from toil.core.cache import CACHE_DIR, FileCache
from toil.core.deferred import DeferredFunctions, Function
from toil.core.jobstore import AbstractJobStore
from toil.core.requirements import bytes2human

logger = logging.getLogger(__name__)


class FileID(str):
    """A job-store file id that also knows the file's size (and whether it is executable)."""

    size: int
    executable: bool

    def __new__(cls, fileStoreID: str, size: int, executable: bool = False) -> FileID:
        self = super().__new__(cls, fileStoreID)
        self.size = size
        self.executable = executable
        return self

    @classmethod
    def forPath(cls, fileStoreID: str, filePath: str) -> FileID:
        return cls(fileStoreID, os.path.getsize(filePath), os.access(filePath, os.X_OK))

    def pack(self) -> str:
        return f"{int(self.executable)}:{self.size}:{self}"

    @classmethod
    def unpack(cls, packed: str) -> FileID:
        executable, size, file_id = packed.split(":", 2)
        return cls(file_id, int(size), executable == "1")

    def __reduce__(self) -> tuple[Any, ...]:
        return (FileID, (str(self), self.size, self.executable))


class ScratchSlot:
    """A warm runner's scratch directory, which its jobs use one after another.

    Each job renames it after itself (``<job id>-r<pid>``: a rename makes no inode), so paths
    still say whose scratch they are; the job's end empties it (FileStore.keep_between_jobs).
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.path: str | None = None

    def claim(self, job_id: str) -> str:
        wanted = os.path.join(self.root, f"{job_id}-r{os.getpid()}")
        if self.path is not None and self.path != wanted:
            try:
                os.rename(self.path, wanted)
            except OSError:  # wanted is taken (left by a killed attempt): start afresh
                shutil.rmtree(wanted, ignore_errors=True)
                shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(wanted, exist_ok=True)
        self.path = wanted
        return wanted


class FileStore:
    """Per-job access to the job store's files and to local scratch space."""

    def __init__(
        self,
        job_store: AbstractJobStore,
        job_id: str,
        temp_root: str,
        disk: int | None = None,
        job_name: str = "",
        caching: bool = False,
        scratch: ScratchSlot | None = None,
        frontend: dict[str, Any] | None = None,
    ) -> None:
        self.jobStore = job_store
        #: the front-end's section of the workflow's settings (WorkflowSettings.frontend)
        self.frontend_settings: dict[str, Any] = frontend if frontend is not None else {}
        self.jobID = job_id
        self._temp_root = temp_root
        self._temp_dir: str | None = None
        self.written: list[str] = []  # files this attempt created (removed if it fails)
        self.to_delete: list[str] = []  # deleted when the job commits
        self.messages: list[list[Any]] = []
        self._local_files: dict[str, list[str]] = {}
        self._written_paths: list[tuple[str, str]] = []  # (file id, local path) for the cache
        self._disk = disk
        self._job_name = job_name or job_id
        self._caching = caching
        self._cache: FileCache | None = None
        self._deferred: DeferredFunctions | None = None
        #: a warm runner's scratch directory, reused by its jobs one after another (see reuse_scratch)
        self._slot = scratch
        self._keep: set[str] = set()

    # -- local scratch --------------------------------------------------------------------
    @property
    def localTempDir(self) -> str:
        return self.getLocalTempDir()

    def getLocalTempDir(self) -> str:
        """The job's own scratch directory, removed when the job ends."""
        if self._temp_dir is None:
            os.makedirs(self._temp_root, exist_ok=True)
            if self._slot is not None:
                self._temp_dir = self._slot.claim(self.jobID)
            else:
                self._temp_dir = tempfile.mkdtemp(prefix=f"{self.jobID}-", dir=self._temp_root)
        return self._temp_dir

    def keep_between_jobs(self, *names: str) -> None:
        """Let these top-level entries of the scratch directory stay for this process's next job.

        A warm runner reuses one scratch directory: at the job's end a kept directory is emptied
        and a kept file truncated (or removed, when it has other links), and everything else is
        removed. Making and deleting the same few entries for every job is what a busy local
        filesystem does slowest. The next job must expect them (empty) or not care.
        """
        self._keep.update(names)

    def getLocalTempFile(self, suffix: str | None = None, prefix: str | None = None) -> str:
        handle, path = tempfile.mkstemp(suffix=suffix, prefix=prefix or "tmp", dir=self.getLocalTempDir())
        os.close(handle)
        return os.path.abspath(path)

    def getLocalTempFileName(self, suffix: str | None = None, prefix: str | None = None) -> str:
        path = self.getLocalTempFile(suffix=suffix, prefix=prefix)
        os.unlink(path)
        return path

    def cleanup(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        if self._temp_dir is not None:
            if self._slot is not None and self._temp_dir == self._slot.path:
                reuse_scratch(self._temp_dir, self._keep)
            else:
                shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    # -- global files ---------------------------------------------------------------------
    def writeGlobalFile(self, localFileName: str, cleanup: bool = False) -> FileID:
        """Copy a local file into the job store; return its FileID."""
        return self._write_global(os.path.abspath(localFileName), owned=False)

    def write_scratch_file(self, path: str) -> FileID:
        """Put a file of this job's scratch space, which nothing changes again, in the job store.

        For the front-ends' output collection: a file job store hard-links it instead of copying.
        """
        path = os.path.abspath(path)
        inside = self._temp_dir is not None and path.startswith(self._temp_dir + os.sep) and not os.path.islink(path)
        return self._write_global(path, owned=inside)

    def _write_global(self, path: str, owned: bool) -> FileID:
        file_id = self.jobStore.write_file(path, self.jobStore.new_file_id(os.path.basename(path)), owned=owned)
        self.written.append(file_id)
        self._local_files.setdefault(file_id, []).append(path)
        self._written_paths.append((file_id, path))
        return FileID.forPath(file_id, path)

    @contextlib.contextmanager
    def writeGlobalFileStream(
        self, cleanup: bool = False, basename: str | None = None, encoding: str | None = None, errors: str | None = None
    ) -> Iterator[tuple[IO[Any], FileID]]:
        """Write a new global file through a stream: ``with ... as (handle, fileID)``."""
        with self.jobStore.write_file_stream(self.jobStore.new_file_id(basename)) as (raw, file_id):
            handle: IO[Any] = raw
            if encoding is not None or errors is not None:
                handle = io.TextIOWrapper(raw, encoding=encoding or "utf-8", errors=errors, write_through=True)
            fid = FileID(file_id, 0)
            yield handle, fid
            if handle is not raw:
                handle.flush()
                handle.detach()  # type: ignore[attr-defined]
        fid.size = self.jobStore.file_size(file_id)
        self.written.append(file_id)

    def getEmptyFileStoreID(self, cleanup: bool = False, basename: str | None = None) -> FileID:
        with self.writeGlobalFileStream(cleanup=cleanup, basename=basename) as (_, file_id):
            pass
        return file_id

    def readGlobalFile(
        self,
        fileStoreID: str,
        userPath: str | None = None,
        cache: bool = True,
        mutable: bool = False,
        symlink: bool = False,
    ) -> str:
        """Put a global file at a local path (a fresh temp path by default) and return it.

        Unless ``mutable``, the file may be a hard link (or, with ``symlink``, a symbolic
        link) to the stored copy: do not modify it. With ``--caching true`` (and ``cache``)
        it is a read-only hard link to this machine's cached copy, shared with other jobs.
        """
        path = os.path.abspath(userPath) if userPath else self._fresh_path(fileStoreID)
        stored = self.jobStore.local_path(fileStoreID)
        if self._caching and cache:
            self.cache.read(str(fileStoreID), path, self._fetcher(fileStoreID), mutable=mutable)
        elif symlink and not mutable and stored is not None and os.path.exists(stored):
            if os.path.lexists(path):
                os.unlink(path)
            os.symlink(stored, path)
        else:
            self.jobStore.read_file(fileStoreID, path, link=not mutable)
        self._local_files.setdefault(str(fileStoreID), []).append(path)
        return path

    def _fresh_path(self, file_id: str) -> str:
        name = os.path.basename(str(file_id).rstrip("/")) or "file"
        directory = tempfile.mkdtemp(dir=self.getLocalTempDir())
        return os.path.join(directory, name)

    @contextlib.contextmanager
    def readGlobalFileStream(
        self, fileStoreID: str, encoding: str | None = None, errors: str | None = None
    ) -> Iterator[IO[Any]]:
        cached = self.cache.lookup(str(fileStoreID)) if self._caching else None
        opened = open(cached, "rb") if cached else self.jobStore.read_file_stream(fileStoreID)  # noqa: SIM115
        with opened as raw:
            if encoding is None and errors is None:
                yield raw
            else:
                yield io.TextIOWrapper(raw, encoding=encoding or "utf-8", errors=errors)

    def getGlobalFileSize(self, fileStoreID: str) -> int:
        return self.jobStore.file_size(fileStoreID)

    def deleteLocalFile(self, fileStoreID: str) -> None:
        """Remove the local copies this job made of a global file."""
        paths = self._local_files.pop(str(fileStoreID), [])
        if not paths:
            raise FileNotFoundError(
                errno.ENOENT, f"Attempted to delete local copies of file {fileStoreID}, but this job made none"
            )
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def deleteGlobalFile(self, fileStoreID: str) -> None:
        """Delete a global file once this job has committed (its local copies go now)."""
        with contextlib.suppress(OSError):
            self.deleteLocalFile(fileStoreID)
        self.to_delete.append(str(fileStoreID))
        if self._caching:
            self.cache.remove(str(fileStoreID))

    # -- import and export ----------------------------------------------------------------
    def importFile(self, srcUrl: str, sharedFileName: str | None = None) -> FileID:
        from toil.core.files import import_url

        file_id, size = import_url(self.jobStore, srcUrl)
        self.written.append(file_id)
        return FileID(file_id, size)

    import_file = importFile

    def exportFile(self, jobStoreFileID: str, dstUrl: str) -> None:
        from toil.core.files import export_url

        export_url(self.jobStore, jobStoreFileID, dstUrl)

    export_file = exportFile

    # -- logging --------------------------------------------------------------------------
    def log_to_leader(self, text: str, level: int = logging.INFO, *, here: bool = True) -> None:
        """Send a message to the leader's log (shown when the job commits); ``here``: this process's log too."""
        if here:
            logger.log(level, text)
        self.messages.append([int(level), str(text)])

    logToMaster = log_to_leader

    # -- deferred functions ---------------------------------------------------------------
    def registerDeferredFunction(self, callable_: Function, *args: Any, **kwargs: Any) -> None:
        """Call callable_(*args, **kwargs) when this job ends, whether it succeeds or fails.

        If the worker dies first, the next worker of the workflow on this machine (or the
        machine's cleanup at the end) calls it.
        """
        if self._deferred is None:
            self._deferred = DeferredFunctions(self._temp_root)
        self._deferred.register(callable_, *args, **kwargs)

    def run_deferred(self) -> None:
        """Run this job's deferred functions in registration order (their failures are logged)."""
        if self._deferred is not None:
            self._deferred.run()

    # -- the cache and disk accounting ------------------------------------------------------
    @property
    def cache(self) -> FileCache:
        if self._cache is None:
            self._cache = FileCache(os.path.join(self._temp_root, CACHE_DIR))
        return self._cache

    def _fetcher(self, file_id: str) -> Callable[[str], None]:
        def fetch(path: str) -> None:
            self.jobStore.read_file(file_id, path)

        return fetch

    def committed(self) -> None:
        """After the job committed: keep the files it wrote from its scratch space in the cache."""
        if not self._caching or self._temp_dir is None:
            return
        inside = self._temp_dir + os.sep
        for file_id, path in self._written_paths:
            if path.startswith(inside) and os.path.isfile(path):
                try:
                    self.cache.add(file_id, path)
                except OSError as e:
                    logger.debug("Not caching %s: %s", file_id, e)

    def disk_used(self) -> int:
        """Bytes in this job's scratch space (each file counted once; links to the stored copies not)."""
        if self._temp_dir is None:
            return 0
        seen = self._stored_inodes()  # links to the store's own copies take no space of the job's
        total = 0
        for directory, _, names in os.walk(self._temp_dir):
            for name in names:
                with contextlib.suppress(OSError):
                    info = os.lstat(os.path.join(directory, name))
                    if (info.st_dev, info.st_ino) not in seen:
                        seen.add((info.st_dev, info.st_ino))
                        total += info.st_size
        return total

    def _stored_inodes(self) -> set[tuple[int, int]]:
        """The (device, inode) of the stored copies of the files this job read."""
        found: set[tuple[int, int]] = set()
        for file_id in self._local_files:
            stored = self.jobStore.local_path(file_id)
            if stored is not None:
                with contextlib.suppress(OSError):
                    info = os.stat(stored)
                    found.add((info.st_dev, info.st_ino))
        return found

    def check_disk(self) -> None:
        """Warn (in the leader's log) when the job used more disk than it asked for."""
        if self._disk is None or self._temp_dir is None:
            return
        used = self.disk_used()
        if used > self._disk:
            self.log_to_leader(
                f"Job {self._job_name} used more disk than it requested: {bytes2human(used)} "
                f"({used} bytes) of {bytes2human(self._disk)} ({self._disk} bytes). Ask for more disk "
                "(disk=...) so it is not scheduled where the space runs out.",
                logging.WARNING,
            )


def reuse_scratch(path: str, keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Empty a reused scratch directory but for the kept entries (emptied themselves); all of it on error."""
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                kept = entry.name in keep
                if entry.is_dir(follow_symlinks=False):
                    if kept:
                        reuse_scratch(entry.path)
                    else:
                        shutil.rmtree(entry.path)
                elif kept and entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_nlink == 1:
                    os.truncate(entry.path, 0)  # never a file that is also in the store or the cache
                else:
                    os.unlink(entry.path)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
