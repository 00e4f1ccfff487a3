"""Start-up check that workers on the scheduler's nodes can reach the job store and batch logs.

A ``file:`` job store must be on a filesystem every node mounts at the same path. On a
single-node cluster (every node is this host) any path works. Otherwise the path's filesystem
type decides: a known local type (ext4, xfs, tmpfs, overlay ...) is refused with a clear
message; network and cluster filesystems pass; unknown types pass with a warning.

The batch logs directory is not refused: when the nodes cannot see it, the check says so and
the batch system writes each job's scheduler log in the node's own temporary directory
instead (a cluster with no shared disk, the job store in S3).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Callable, Iterable

from toil.core.batchsystem import BatchSystemError
from toil.core.jobstore import parse_locator

logger = logging.getLogger(__name__)

LOCAL_FS_TYPES = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs", "f2fs",
                            "devtmpfs", "ramfs", "vfat", "exfat", "ntfs", "squashfs", "aufs"})
SHARED_FS_TYPES = frozenset({"nfs", "nfs4", "lustre", "gpfs", "beegfs", "cephfs", "ceph", "cifs", "smb3",
                             "smbfs", "glusterfs", "fuse.glusterfs", "panfs", "wekafs", "fuse.sshfs",
                             "fuse.cephfs", "pvfs2", "orangefs", "afs", "fuse.s3fs", "9p", "virtiofs"})


def read_mounts(path: str = "/proc/self/mounts") -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def filesystem_type(path: str, mounts: str) -> str | None:
    """The type of the filesystem holding path, from /proc/mounts text (longest mount point wins)."""
    best, best_type = "", None
    path = os.path.abspath(path)
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fields[2]
    return best_type


def local_names() -> set[str]:
    host = socket.gethostname()
    names = {host, host.split(".")[0], "localhost", "127.0.0.1"}
    with contextlib.suppress(OSError):
        names.add(socket.getfqdn())
    return names


def single_node(hosts: Iterable[str] | None, here: set[str]) -> bool:
    """True when every node the scheduler may use is this host."""
    if hosts is None:
        return False
    hosts = list(hosts)
    return bool(hosts) and all(h in here or h.split(".")[0] in here for h in hosts)


def shared_path_problem(what: str, path: str, fs_type: str | None, scheduler: str) -> str | None:
    """A one-line explanation when path cannot be seen by workers on other nodes, else None."""
    if fs_type in LOCAL_FS_TYPES:
        return (f"The {what} {path} is on a local {fs_type} filesystem, but {scheduler} runs jobs on other "
                f"nodes that cannot see it: put it on a shared filesystem (NFS, Lustre, GPFS, BeeGFS, CephFS ...) "
                f"mounted at the same path on every node")
    return None


def check_paths_reachable(
    locator: str,
    work_dir: str,
    logs_dir: str,
    scheduler: str,
    node_hosts: Callable[[], list[str] | None],
    mounts: str | None = None,
) -> bool:
    """Raise BatchSystemError when workers could not reach the job store; tell whether they see the logs dir."""
    try:
        kind, rest = parse_locator(locator)
    except ValueError:
        return True
    paths = [("batch logs directory", logs_dir)]
    if kind == "file":
        paths.insert(0, ("job store", os.path.abspath(rest)))
    try:
        hosts = node_hosts()
    except Exception as e:  # noqa: BLE001 - a failing node listing must not stop the workflow
        logger.warning("Could not list the %s nodes (%s); not checking for a shared filesystem", scheduler, e)
        return True
    if hosts is None:
        logger.warning("Could not list the %s nodes; not checking that they can reach the job store", scheduler)
        return True
    if single_node(hosts, local_names()):
        return True
    text = read_mounts() if mounts is None else mounts
    logs_shared = True
    for what, path in paths:
        fs_type = filesystem_type(path, text)
        problem = shared_path_problem(what, path, fs_type, scheduler)
        if problem and what == "batch logs directory":
            logger.info("The batch logs directory %s is local to this host: each job's %s log stays in the "
                        "temporary directory of the node it ran on", path, scheduler)
            logs_shared = False
        elif problem:
            raise BatchSystemError(problem)
        elif fs_type not in SHARED_FS_TYPES:
            logger.warning("The %s %s is on a %s filesystem; make sure every %s node sees it at the same path",
                           what, path, fs_type or "unknown", scheduler)
    if not os.path.isabs(work_dir):
        raise BatchSystemError(f"--workDir {work_dir} must be an absolute path that exists on every node")
    return logs_shared
