"""Atomic local file writes: a temporary sibling, then a rename over the target.

Readers of the target see the old file or the new one, never a partial copy. Shared by the
file job store and local-path URL exports. A copy shares the source's blocks where the
filesystem can (a reflink, as ``cp --reflink=auto``); a link that cannot be made (another
filesystem, no hard links) becomes a copy, and the first such fallback between two
filesystems is logged with its reason.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import shutil
from collections.abc import Callable

logger = logging.getLogger(__name__)

# Link failures after which a copy still works (another filesystem, no hard links, ...).
LINK_FALLBACK_ERRNOS = {errno.EXDEV, errno.EPERM, errno.EACCES, errno.EMLINK, errno.ENOTSUP, errno.ENOSYS}
#: ioctl(2) request FICLONE (linux/fs.h): make the destination share all of the source's blocks.
FICLONE = 0x40049409
# Reflink failures that leave an ordinary copy to do: not supported here, another filesystem, ...
_CLONE_FALLBACK_ERRNOS = {errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOTTY, errno.EBADF,
                          errno.ENOSYS, errno.EPERM, errno.ETXTBSY}
_fallbacks_logged: set[tuple[int, int]] = set()


def temp_name(path: str) -> str:
    return f"{path}~{os.urandom(6).hex()}"


def clone_or_copy(src: str, dest: str) -> bool:
    """Write dest as a copy of src: a reflink where the filesystem shares blocks, else a copy.

    Return whether it was a reflink.
    """
    with open(src, "rb") as source, open(dest, "wb") as target:
        try:
            fcntl.ioctl(target.fileno(), FICLONE, source.fileno())
            return True
        except OSError as e:
            if e.errno not in _CLONE_FALLBACK_ERRNOS:
                raise
    shutil.copyfile(src, dest)
    return False


def atomic_copy(src: str, dest: str) -> None:
    """Copy src to dest through a temporary sibling of dest, keeping src's execute bits."""
    mode = os.stat(src).st_mode
    tmp = temp_name(dest)
    try:
        clone_or_copy(src, tmp)
        if mode & 0o111:
            os.chmod(tmp, os.stat(tmp).st_mode | (mode & 0o111))
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def note_link_fallback(src: str, dest: str, error: OSError, instead: str = "a copy (a reflink if it can)") -> None:
    """Log, once per pair of filesystems, why a file between them is not linked."""
    with contextlib.suppress(OSError):
        pair = (os.stat(src).st_dev, os.stat(os.path.dirname(os.path.abspath(dest)) or ".").st_dev)
        if pair in _fallbacks_logged:
            return
        _fallbacks_logged.add(pair)
    reason = "they are on different filesystems" if error.errno == errno.EXDEV else os.strerror(error.errno or 0)
    logger.info("Cannot hard-link %s to %s (%s): %s instead, here and for other files between these "
                "filesystems", src, dest, reason, instead)


def _put_in_place(make: Callable[[str], None], dest: str) -> None:
    """make(a temporary sibling of dest), then rename it over dest."""
    tmp = temp_name(dest)
    make(tmp)
    try:
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_link(src: str, dest: str) -> None:
    """Hard-link src at dest, replacing dest; raise OSError when the link cannot be made."""
    _put_in_place(lambda tmp: os.link(src, tmp), dest)


def atomic_symlink(target: str, dest: str) -> None:
    """Make dest a symbolic link to target, replacing dest."""
    _put_in_place(lambda tmp: os.symlink(target, tmp), dest)


def atomic_link_or_copy(src: str, dest: str) -> None:
    """Hard-link src at dest (replacing dest), or copy when linking is impossible."""
    try:
        atomic_link(src, dest)
    except OSError as e:
        if e.errno not in LINK_FALLBACK_ERRNOS:
            raise
        note_link_fallback(src, dest, e)
        atomic_copy(src, dest)


def atomic_move(src: str, dest: str) -> bool:
    """Move src to dest (replacing it) by a rename; return False, moving nothing, across filesystems."""
    try:
        os.replace(src, dest)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        note_link_fallback(src, dest, e)
        return False
    return True
