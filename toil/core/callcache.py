"""A content-addressed call cache shared by runs: a step whose inputs did not change is reused.

A step's key is the SHA-256 of its *parts*: named strings (the normalised definition, each
input value, each input file's digest, the container image, the runtime settings that can change
outputs), hashed as canonical JSON. The front-ends build the parts; this module knows no language.

Layout of a cache directory::

    entries/<k[:2]>/<key>/entry.json   the step, its parts' hashes, its outputs (paths as tokens)
    entries/<k[:2]>/<key>/files/<n>    the output files, hard-linked (or reflinked, or copied)
    steps/<sha of the step's name>.json  the latest part hashes seen per step (to say why a step missed)
    digests.db                          (device, inode, size, mtime) -> content digest (sqlite)
    tmp/                                entries being written

An entry is written under ``tmp/`` and renamed into place, so it is whole or absent: a run killed
while writing leaves only a temporary directory (removed by the next writer when old). Two runs
writing the same key race on the rename; the loser drops its copy. An entry is verified when used:
a file that vanished or whose content changed makes it a miss (and it is removed).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from toil.core.requirements import human2bytes

logger = logging.getLogger(__name__)

HASH_MODES = ("deep", "lenient")
ENTRY_FILE = "entry.json"
TOKEN = "toilcache:"  # an output path in a stored entry: TOKEN + the file's name in files/
_FICLONE = 0x40049409  # Linux ioctl: share the blocks of a file (btrfs, xfs)
_STALE_TMP_SECONDS = 24 * 3600
_RECENT_PER_STEP = 64
_CHUNK = 1 << 20


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def cache_key(parts: Mapping[str, str]) -> str:
    """The key of a step: the hash of its parts (names and values)."""
    return sha256_text(canonical(dict(parts)))


def link_or_copy(source: str, target: str) -> str:
    """Put ``source``'s content at a new ``target`` without copying where the filesystem allows; how it was done.

    Never writes through an existing ``target`` (it may be a link to a cache entry): FileExistsError.
    """
    try:
        os.link(source, target)
        return "link"
    except FileExistsError:
        raise
    except OSError:
        pass
    temporary = f"{target}.{uuid.uuid4().hex}.part"
    how = "copy"
    with open(source, "rb") as src, open(temporary, "xb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            how = "reflink"
        except OSError:
            shutil.copyfileobj(src, dst, _CHUNK)
    shutil.copystat(source, temporary)
    if os.path.lexists(target):
        os.unlink(temporary)
        raise FileExistsError(errno.EEXIST, "exists", target)
    os.rename(temporary, target)
    return how


def link_tree(source: str, target: str) -> None:
    """A directory's files linked (else copied) under ``target``; symbolic links are followed."""
    shutil.copytree(source, target, copy_function=lambda s, t: link_or_copy(s, t))


def max_size(text: str | int | None) -> int | None:
    """--cacheMaxSize as bytes (None: no limit); ValueError with one line when it is no size."""
    if text is None or isinstance(text, int):
        return text
    try:
        return human2bytes(text)
    except ValueError as e:
        raise ValueError(f"--cacheMaxSize: {e}") from None


class DigestIndex:
    """Content digests of files, computed once and remembered by (device, inode, size, mtime)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._memo: dict[tuple[int, int, int, int], str] = {}

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(self.path, timeout=120, isolation_level=None)
            self._db.execute("CREATE TABLE IF NOT EXISTS digests (dev INTEGER, ino INTEGER, size INTEGER, "
                             "mtime INTEGER, digest TEXT NOT NULL, PRIMARY KEY (dev, ino, size, mtime))")
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def digest(self, path: str) -> str:
        """The SHA-256 of a file's content (read only when the file is new or changed)."""
        info = os.stat(path)
        stamp = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        if stamp in self._memo:
            return self._memo[stamp]
        row = self.db.execute("SELECT digest FROM digests WHERE dev=? AND ino=? AND size=? AND mtime=?",
                              stamp).fetchone()
        if row is None:
            digest = _hash_file(path)
            self.db.execute("INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?)", (*stamp, digest))
        else:
            digest = str(row[0])
        self._memo[stamp] = digest
        return digest


def _hash_file(path: str) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            sha.update(chunk)
    return sha.hexdigest()


@dataclass
class Hit:
    """A verified entry: its outputs (paths as tokens) and where each token's file is."""

    key: str
    outputs: Any
    paths: dict[str, str]  # token -> path in the cache (a file or a directory)

    def materialize(self, directory: str) -> dict[str, str]:
        """Link the entry's files under ``directory`` (a job's scratch, without them yet); token -> the new path."""
        placed = {}
        for token, source in self.paths.items():
            target = os.path.join(directory, token[len(TOKEN):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.isdir(source):
                link_tree(source, target)
            else:
                link_or_copy(source, target)
            placed[token] = target
        return placed


class CallCache:
    """One process's handle on a cache directory (safe to share between runs and machines)."""

    def __init__(self, directory: str, hash_mode: str = "deep") -> None:
        if hash_mode not in HASH_MODES:
            raise ValueError(f"--cacheHash must be one of {', '.join(HASH_MODES)}, not {hash_mode!r}")
        self.directory = os.path.abspath(directory)
        self.hash_mode = hash_mode
        for sub in ("entries", "steps", "tmp"):
            os.makedirs(os.path.join(self.directory, sub), exist_ok=True)
        self.digests = DigestIndex(os.path.join(self.directory, "digests.db"))
        self.dropped = ""  # why the last lookup dropped an entry it found

    @classmethod
    def check_directory(cls, directory: str) -> None:
        """Fail with one line (ValueError) when ``directory`` cannot hold a cache."""
        try:
            cls(directory).close()
            probe = os.path.join(directory, "tmp", "probe-" + uuid.uuid4().hex)
            os.mkdir(probe)
            os.rmdir(probe)
        except OSError as e:
            raise ValueError(f"the call cache directory {directory} is not usable: {e.strerror or e}") from None

    def close(self) -> None:
        self.digests.close()

    # -- identities of inputs ---------------------------------------------------------------------
    def file_identity(self, path: str) -> str:
        """What stands for a file's content in a key: its digest (deep) or name, size and mtime (lenient).

        Lenient leaves out the directory: the front-ends stage each job's inputs in a new one.
        """
        if self.hash_mode == "lenient":
            info = os.stat(path)
            return f"{os.path.basename(path)}:{info.st_size}:{info.st_mtime_ns}"
        return "sha256:" + self.digests.digest(path)

    def tree_identity(self, path: str) -> str:
        """A directory's identity: its files' relative names and identities."""
        return sha256_text(canonical(sorted(
            (os.path.relpath(p, path), self.file_identity(p)) for p in _files_under(path))))

    def path_identity(self, path: str) -> str:
        return self.tree_identity(path) if os.path.isdir(path) else self.file_identity(path)

    # -- entries ---------------------------------------------------------------------------------
    def _entry_dir(self, key: str) -> str:
        return os.path.join(self.directory, "entries", key[:2], key)

    def lookup(self, key: str) -> Hit | None:
        """The entry for ``key`` if it is whole and its files are as stored; None (and the entry dropped) if not."""
        directory = self._entry_dir(key)
        try:
            with open(os.path.join(directory, ENTRY_FILE)) as f:
                record = json.load(f)
        except (OSError, ValueError):
            return None
        paths = {}
        for name, digest in record["files"].items():
            path = os.path.join(directory, "files", name)
            try:
                actual = self._stored_digest(path)
            except OSError:
                actual = None
            if actual != digest:
                state = "vanished" if actual is None else "changed"
                self.dropped = f"its entry {key[:12]} was dropped: output {name} {state}"
                logger.warning("Call cache: %s", self.dropped)
                self.remove(key)
                return None
            paths[TOKEN + name] = path
        with contextlib.suppress(OSError):
            os.utime(os.path.join(directory, ENTRY_FILE))  # last used: for least-recently-used pruning
        return Hit(key, record["outputs"], paths)

    def _stored_digest(self, path: str) -> str:
        if os.path.isdir(path):
            return sha256_text(canonical(sorted(
                (os.path.relpath(p, path), self.digests.digest(p)) for p in _files_under(path))))
        return self.digests.digest(path)

    def store(self, key: str, step: str, parts: Mapping[str, str], outputs: Any, files: Mapping[str, str]) -> bool:
        """Keep a step's outputs under ``key``; ``files`` maps each token in ``outputs`` to a local path.

        Returns False when another run stored the key first (its entry is kept, ours dropped).
        """
        self._sweep_tmp()
        temporary = os.path.join(self.directory, "tmp", uuid.uuid4().hex)
        os.makedirs(os.path.join(temporary, "files"))
        try:
            digests = {}
            for token, path in files.items():
                name = token[len(TOKEN):]
                target = os.path.join(temporary, "files", name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if os.path.isdir(path):
                    link_tree(path, target)
                else:
                    link_or_copy(path, target)
                digests[name] = self._stored_digest(target)
            record = {"step": step, "parts": {k: sha256_text(v) for k, v in parts.items()}, "outputs": outputs,
                      "files": digests, "created": time.time()}
            _write_json(os.path.join(temporary, ENTRY_FILE), record)
            final = self._entry_dir(key)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            try:
                os.rename(temporary, final)
            except OSError as e:
                if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                return False
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        self._remember(step, record["parts"])
        return True

    def remove(self, key: str) -> None:
        """Drop an entry: renamed away first, so no reader sees it half removed."""
        doomed = os.path.join(self.directory, "tmp", "rm-" + uuid.uuid4().hex)
        try:
            os.rename(self._entry_dir(key), doomed)
        except OSError:
            return
        shutil.rmtree(doomed, ignore_errors=True)

    def entries(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(key, record) of every whole entry."""
        root = os.path.join(self.directory, "entries")
        for shard in sorted(os.listdir(root)):
            for key in sorted(os.listdir(os.path.join(root, shard))):
                with contextlib.suppress(OSError, ValueError), \
                        open(os.path.join(root, shard, key, ENTRY_FILE)) as f:
                    yield key, json.load(f)

    def entry_size(self, key: str) -> int:
        """The bytes of an entry (its record and files; a file linked elsewhere too is counted in full)."""
        return sum(os.path.getsize(p) for p in _files_under(self._entry_dir(key)) if os.path.isfile(p))

    def last_used(self, key: str) -> float:
        try:
            return os.stat(os.path.join(self._entry_dir(key), ENTRY_FILE)).st_mtime
        except OSError:
            return 0.0

    def check(self) -> list[tuple[str, str]]:
        """Verify every entry: (key, problem) of each one dropped because its files changed or vanished."""
        problems = []
        for key, _record in list(self.entries()):
            self.dropped = ""
            if self.lookup(key) is None:
                problems.append((key, self.dropped or "unreadable"))
        return problems

    def prune(self, max_bytes: int) -> list[str]:
        """Drop least recently used entries until the rest fit in ``max_bytes``; the keys dropped."""
        sized = sorted(((self.last_used(key), key, self.entry_size(key)) for key, _ in self.entries()), reverse=True)
        total, dropped = 0, []
        for _used, key, size in sized:  # most recently used first: kept while they fit
            if total + size <= max_bytes:
                total += size
            else:
                self.remove(key)
                dropped.append(key)
        return dropped

    def _sweep_tmp(self) -> None:
        """Remove what killed writers left (old temporary directories)."""
        root = os.path.join(self.directory, "tmp")
        limit = time.time() - _STALE_TMP_SECONDS
        for name in os.listdir(root):
            path = os.path.join(root, name)
            with contextlib.suppress(OSError):
                if name.startswith("rm-") or os.stat(path).st_mtime < limit:
                    shutil.rmtree(path, ignore_errors=True)

    # -- why a step missed ------------------------------------------------------------------------
    def _step_file(self, step: str) -> str:
        return os.path.join(self.directory, "steps", sha256_text(step) + ".json")

    def _remember(self, step: str, hashed: dict[str, str]) -> None:
        path = self._step_file(step)
        recent = [hashed] + [h for h in _read_json(path, []) if h != hashed]
        _write_json(path, recent[:_RECENT_PER_STEP], atomic_in=os.path.join(self.directory, "tmp"))

    def why_missed(self, step: str, parts: Mapping[str, str]) -> str:
        """One phrase: what differs from the closest earlier entry of the same step."""
        if self.dropped:
            return self.dropped
        recent = _read_json(self._step_file(step), [])
        if not recent:
            return "no earlier entry for this step"
        hashed = {k: sha256_text(v) for k, v in parts.items()}

        def changes(old: dict[str, str]) -> list[str]:
            return sorted(name for name in set(old) | set(hashed) if old.get(name) != hashed.get(name))

        closest = min((changes(old) for old in recent), key=len)
        if not closest:
            return "its entry was dropped"
        return "no entry; the nearest earlier one differs in: " + ", ".join(closest)


def _files_under(path: str) -> list[str]:
    return [os.path.join(top, name) for top, _dirs, names in os.walk(path, followlinks=True) for name in names]


def _read_json(path: str, default: Any) -> Any:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def _write_json(path: str, data: Any, atomic_in: str | None = None) -> None:
    """Write JSON; with ``atomic_in``, through a temporary file there and a rename (readers see old or new)."""
    temporary = os.path.join(atomic_in, uuid.uuid4().hex + ".json") if atomic_in else path
    with open(temporary, "w") as f:
        json.dump(data, f, sort_keys=True)
    if atomic_in:
        os.replace(temporary, path)


def swap_paths(obj: Any, mapping: Mapping[str, str]) -> Any:
    """A copy of a JSON value with each string that is (or lies under) a key of ``mapping`` replaced."""
    if isinstance(obj, dict):
        return {k: swap_paths(v, mapping) for k, v in obj.items()}
    if isinstance(obj, list):
        return [swap_paths(v, mapping) for v in obj]
    if isinstance(obj, str):
        if obj in mapping:
            return mapping[obj]
        for old, new in mapping.items():
            if obj.startswith(old.rstrip("/") + "/"):
                return new.rstrip("/") + obj[len(old.rstrip("/")):]
    return obj
