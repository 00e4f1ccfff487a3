"""Atomic local file writes: a temporary sibling, then a rename over the target.

Readers of the target see the old file or the new one, never a partial copy. Shared by the
file job store and local-path URL exports.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil

# Link failures after which a copy still works (another filesystem, no hard links, ...).
LINK_FALLBACK_ERRNOS = {errno.EXDEV, errno.EPERM, errno.EACCES, errno.EMLINK, errno.ENOTSUP, errno.ENOSYS}


def temp_name(path: str) -> str:
    return f"{path}~{os.urandom(6).hex()}"


def atomic_copy(src: str, dest: str) -> None:
    """Copy src to dest through a temporary sibling of dest, keeping src's execute bits."""
    mode = os.stat(src).st_mode
    tmp = temp_name(dest)
    try:
        shutil.copyfile(src, tmp)
        if mode & 0o111:
            os.chmod(tmp, os.stat(tmp).st_mode | (mode & 0o111))
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_link_or_copy(src: str, dest: str) -> None:
    """Hard-link src at dest (replacing dest), or copy when linking is impossible."""
    tmp = temp_name(dest)
    try:
        os.link(src, tmp)
    except OSError as e:
        if e.errno not in LINK_FALLBACK_ERRNOS:
            raise
        atomic_copy(src, dest)
        return
    try:
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
