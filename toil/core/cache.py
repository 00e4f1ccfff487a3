"""A file cache shared by the jobs of one machine (``--caching true``).

Entries live in ``ROOT/cache/files/<sha1 of the file id>``, read-only, each written under a
temporary name and then linked into place, so an entry is either whole or absent: a worker
killed while filling it leaves only a temporary file, which is never served. A small sqlite
database (``ROOT/cache/index.db``) keeps each entry's size and a use counter for
least-recently-used eviction; sqlite's own journal makes it safe against killed writers. The
files are the truth: an entry without a row is adopted, a row without a file is dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sqlite3
import stat
import uuid
from collections.abc import Callable

logger = logging.getLogger(__name__)

CACHE_DIR = "cache"
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, size INTEGER NOT NULL, used INTEGER NOT NULL)"
_READ_ONLY = ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
Fetch = Callable[[str], None]  # write the file's content at this path


def default_budget(directory: str) -> int:
    """Half the free space of the filesystem the cache is on."""
    os.makedirs(directory, exist_ok=True)
    return shutil.disk_usage(directory).free // 2


class FileCache:
    """One process's handle on the machine's cache in ``directory`` (open one per job)."""

    def __init__(self, directory: str, budget: int | None = None) -> None:
        self.directory = directory
        self.files = os.path.join(directory, "files")
        os.makedirs(self.files, exist_ok=True)
        self.budget = default_budget(directory) if budget is None else budget
        self._db: sqlite3.Connection | None = None

    # -- the index ----------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(os.path.join(self.directory, "index.db"), timeout=120, isolation_level=None)
            self._db.execute(_SCHEMA)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _touch(self, key: str, size: int) -> None:
        """Make key the most recently used entry."""
        self.db.execute(
            "INSERT OR REPLACE INTO entries (key, size, used) "
            "VALUES (?, ?, (SELECT COALESCE(MAX(used), 0) + 1 FROM entries))",
            (key, size),
        )

    def total(self) -> int:
        return int(self.db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0])

    def keys_by_age(self) -> list[str]:
        """Entry keys, least recently used first."""
        return [row[0] for row in self.db.execute("SELECT key FROM entries ORDER BY used")]

    # -- entries ------------------------------------------------------------------------------
    @staticmethod
    def key(file_id: str) -> str:
        return hashlib.sha1(str(file_id).encode()).hexdigest()

    def path(self, file_id: str) -> str:
        return os.path.join(self.files, self.key(file_id))

    def lookup(self, file_id: str) -> str | None:
        """The entry's path (now most recently used), or None; for reading, not modifying."""
        return self._hit(file_id)

    def _hit(self, file_id: str) -> str | None:
        """The entry's path, now most recently used; None on a miss."""
        path = self.path(file_id)
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            return None
        self._touch(self.key(file_id), size)
        return path

    def _install(self, file_id: str, fill: Callable[[str], None]) -> str:
        """Fill a temporary file, make it read-only and link it in as the entry (first one wins)."""
        path = self.path(file_id)
        temp = os.path.join(self.files, f".tmp-{uuid.uuid4().hex}")
        try:
            fill(temp)
            os.chmod(temp, stat.S_IMODE(os.stat(temp).st_mode) & _READ_ONLY)
            size = os.stat(temp).st_size
            self._make_room(size)
            with contextlib.suppress(FileExistsError):  # a concurrent reader installed it first
                os.link(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        self._touch(self.key(file_id), os.stat(path).st_size)
        return path

    def read(self, file_id: str, dest: str, fetch: Fetch, mutable: bool = False) -> bool:
        """Put the file at dest: a hard link to the entry, or a copy when mutable; True on a hit."""
        path = self._hit(file_id)
        hit = path is not None
        if path is None:
            if mutable:
                fetch(dest)  # a private copy: nothing worth keeping
                return False
            path = self._install(file_id, fetch)
        _replace(dest, path, link=not mutable)
        return hit

    def add(self, file_id: str, local_path: str) -> None:
        """Keep a file a job wrote (after it committed) as the entry for file_id."""
        if os.path.exists(self.path(file_id)):
            return

        def fill(temp: str) -> None:
            try:
                os.link(local_path, temp)
            except OSError:
                shutil.copyfile(local_path, temp)

        self._install(file_id, fill)

    def remove(self, file_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(file_id))
        self.db.execute("DELETE FROM entries WHERE key = ?", (self.key(file_id),))

    def _make_room(self, size: int) -> None:
        """Evict least recently used entries not linked into a job until size more fits."""
        excess = self.total() + size - self.budget
        if excess <= 0:
            return
        for key in self.keys_by_age():
            path = os.path.join(self.files, key)
            try:
                info = os.stat(path)
            except FileNotFoundError:
                self.db.execute("DELETE FROM entries WHERE key = ?", (key,))
                continue
            if info.st_nlink > 1:
                continue  # a running job holds a link: removing ours frees nothing
            os.unlink(path)
            self.db.execute("DELETE FROM entries WHERE key = ?", (key,))
            logger.debug("Evicted %s (%d bytes) from the cache", key, info.st_size)
            excess -= info.st_size
            if excess <= 0:
                return
        logger.debug("The cache is over its budget of %d bytes: every entry is in use", self.budget)


def _replace(dest: str, source: str, link: bool) -> None:
    """Put source at dest (replacing it) by hard link, or by copy when linking is not possible."""
    temp = f"{dest}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        if link:
            try:
                os.link(source, temp)
            except OSError:  # another filesystem, or no hard links here
                link = False
        if not link:
            shutil.copyfile(source, temp)
            os.chmod(temp, 0o644 | (stat.S_IMODE(os.stat(source).st_mode) & 0o111))
        os.replace(temp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
