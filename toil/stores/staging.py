"""Zero-copy staging for a job store on a local filesystem: inputs linked in, outputs moved out.

An input file taken in by a link (a hard link, or across filesystems a symbolic link to it) is
the user's own file: the store remembers its size, modification time and inode when it was
linked (a record in the ``shared`` namespace), and ``changed_imports`` says which inputs no
longer match, so that a ``--restart`` never runs on silently changed data. An output leaves the
store by a hard link or a rename unless it also has another name (an input linked in): then it
is copied (a reflink where the filesystem can), so that changing an output never changes an input.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable

from toil.core.jobstore import AbstractJobStore
from toil.stores.atomic import (
    LINK_FALLBACK_ERRNOS,
    atomic_copy,
    atomic_link,
    atomic_link_or_copy,
    atomic_move,
    atomic_symlink,
    note_link_fallback,
)

RECORD_PREFIX = "import."


def record_key(file_id: str) -> str:
    return RECORD_PREFIX + file_id.replace("/", ".")


#: Smaller inputs are copied: a copy costs nothing worth saving, cannot change under the workflow,
#: and covers the small temporary files the runners store (packed documents, directory trees).
LINK_MIN_SIZE = 1 << 20


def linkable(path: str) -> bool:
    """Whether a local input may be linked in: a regular file (not /dev/null, a pipe, ...) of 1 MiB or more."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size >= LINK_MIN_SIZE


def _fingerprint(path: str) -> dict[str, int]:
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino, "device": st.st_dev}


def link_in(source: str, dest: str, file_id: str) -> bytes:
    """Put source at dest by a hard link, else a symbolic link; return the record to keep of it."""
    try:
        atomic_link(source, dest)
        how = "hard link"
    except OSError as e:
        if e.errno not in LINK_FALLBACK_ERRNOS:
            raise
        note_link_fallback(source, dest, e, "a symbolic link")
        atomic_symlink(os.path.realpath(source), dest)
        how = "symbolic link"
    record = {"file_id": file_id, "source": os.path.abspath(source), "how": how, **_fingerprint(dest)}
    return json.dumps(record).encode()


def changed_imports(store: AbstractJobStore, path_of: Callable[[str], str]) -> list[str]:
    """One line per linked-in input whose stored name no longer has the size, time and inode it had."""
    changed = []
    for key in sorted(store.keys("shared")):
        if not key.startswith(RECORD_PREFIX):
            continue
        record = json.loads(store.get("shared", key))
        path = path_of(record["file_id"])
        try:
            now = _fingerprint(path)
        except FileNotFoundError:
            changed.append(f"{record['source']} is gone")
            continue
        differ = [name for name in ("size", "mtime_ns", "inode", "device") if now[name] != record[name]]
        if differ:
            what = ", ".join("modification time" if name == "mtime_ns" else name for name in differ)
            changed.append(f"{record['source']} changed ({what})")
    return changed


def link_out(stored: str, dest: str) -> None:
    """Export a stored file by a hard link; copy it when it has another name (an input linked in)."""
    if os.path.islink(stored) or os.stat(stored).st_nlink > 1:
        atomic_copy(os.path.realpath(stored), dest)
    else:
        atomic_link_or_copy(stored, dest)


def move_out(stored: str, dest: str) -> None:
    """Move a stored file to dest and leave a symbolic link to it in the store (``--moveOutputs``).

    Copied instead when it has another name (an input linked in) or dest is on another filesystem.
    """
    if os.path.islink(stored) or os.stat(stored).st_nlink > 1:
        atomic_copy(os.path.realpath(stored), dest)
    elif atomic_move(stored, dest):
        atomic_symlink(os.path.abspath(dest), stored)
    else:
        atomic_copy(stored, dest)
