"""FileJobStore: the job-store contract plus what is particular to a directory."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import stat
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from tests.unit.stores.contract import JobStoreContract, kill_child, start_child
from toil.core.jobstore import (
    JobStoreCreationError,
    JobStoreExistsError,
    JobStoreLockedError,
    NoSuchJobStoreError,
    NotAJobStoreError,
    parse_locator,
)
from toil.core.plugins import job_store_class
from toil.stores.file import LOCK_FILE, MARKER, FileJobStore, NonEmptyDirectoryError


def file_store(path: Path) -> FileJobStore:
    return FileJobStore(f"file:{path}", str(path))


class TestFileJobStoreContract(JobStoreContract):
    def make_store(self, tmp_path: Path) -> FileJobStore:
        return file_store(tmp_path / "store")


@pytest.fixture
def store(tmp_path: Path) -> FileJobStore:
    created = file_store(tmp_path / "store")
    created.create()
    return created


def test_plugin_name_and_locator_reach_the_class(tmp_path: Path) -> None:
    kind, rest = parse_locator(f"file:{tmp_path}/js")
    cls = job_store_class(kind)
    assert cls is FileJobStore
    assert cls(f"file:{tmp_path}/js", rest).path == f"{tmp_path}/js"


def test_relative_path_made_absolute(tmp_path: Path) -> None:
    assert FileJobStore("js", "js").path == os.path.join(os.getcwd(), "js")


def test_create_makes_parents_and_accepts_an_empty_directory(tmp_path: Path) -> None:
    file_store(tmp_path / "a" / "b" / "store").create()
    (tmp_path / "empty").mkdir()
    empty = file_store(tmp_path / "empty")
    empty.create()
    assert json.loads((tmp_path / "empty" / MARKER).read_text())["version"] == 2


def test_create_under_a_regular_file_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(JobStoreCreationError) as info:
        file_store(tmp_path / "afile" / "store").create()
    message = str(info.value)
    assert "afile/store" in message and "Not a directory" in message and "\n" not in message


def test_create_over_a_regular_file_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(JobStoreCreationError, match="exists and is not a directory"):
        file_store(tmp_path / "afile").create()


def test_create_in_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "precious.txt").write_text("keep me")
    with pytest.raises(NonEmptyDirectoryError, match="not empty") as info:
        file_store(tmp_path / "data").create()
    assert isinstance(info.value, JobStoreExistsError) and isinstance(info.value, NotAJobStoreError)


def test_non_store_directories_are_not_job_stores(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with pytest.raises(NotAJobStoreError, match="not a job store"):
        file_store(tmp_path / "data").resume()
    (tmp_path / "data" / "precious.txt").write_text("keep me")
    with pytest.raises(NotAJobStoreError):
        file_store(tmp_path / "data").resume()
    with pytest.raises(NotAJobStoreError, match="Refusing"):
        file_store(tmp_path / "data").destroy()
    assert (tmp_path / "data" / "precious.txt").read_text() == "keep me"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotAJobStoreError):
        file_store(tmp_path / "afile").resume()


def test_damaged_or_newer_marker(store: FileJobStore) -> None:
    marker = Path(store.path) / MARKER
    marker.write_text("{not json")
    with pytest.raises(NotAJobStoreError, match="damaged"):
        store.resume()
    marker.write_text(json.dumps({"format": "toil-file-jobstore", "version": 99}))
    with pytest.raises(NotAJobStoreError, match="newer"):
        store.resume()


def test_destroy_finishes_an_interrupted_destroy(store: FileJobStore) -> None:
    for name in os.listdir(store.path):
        if name != MARKER:
            shutil.rmtree(os.path.join(store.path, name))
    store.destroy()
    assert not os.path.exists(store.path)


def test_blobs_fan_out(store: FileJobStore) -> None:
    for i in range(2000):
        store.put("jobs", f"j{i}", b"")
    fans = os.listdir(os.path.join(store.path, "jobs"))
    assert len(fans) == 16
    assert max(len(os.listdir(os.path.join(store.path, "jobs", fan))) for fan in fans) < 2000 / 16 * 1.5
    assert len(set(store.keys("jobs"))) == 2000


def test_a_version_1_store_keeps_its_256_way_fan_out(tmp_path: Path) -> None:
    """A store made before version 2 resumes with the layout it was written in."""
    old = FileJobStore("file:old", str(tmp_path / "old"))
    old.create()
    with open(old._marker, "w") as f:
        json.dump({"format": "toil-file-jobstore", "version": 1}, f)
    old.resume()
    old.put("jobs", "j1", b"record")
    file_id = old.write_file(__file__)
    assert len(os.listdir(os.path.join(old.path, "jobs"))[0]) == 2
    assert os.path.basename(os.path.dirname(old.local_path(file_id) or "")) == file_id[:2]
    again = FileJobStore("file:old", old.path)
    again.resume()
    assert again.get("jobs", "j1") == b"record" and again.file_exists(file_id)


def test_temporary_files_are_not_listed(store: FileJobStore) -> None:
    store.put("jobs", "real", b"1")
    fan_dir = os.path.join(store.path, "jobs", os.listdir(os.path.join(store.path, "jobs"))[0])
    Path(fan_dir, "real~0123abcd").write_bytes(b"left by a crash")
    with store.write_file_stream() as (f, file_id):
        f.write(b"x")
    local = store.local_path(file_id)
    assert local is not None
    Path(local + "~99").write_bytes(b"left by a crash")
    assert list(store.keys("jobs")) == ["real"]
    assert list(store.file_ids()) == [file_id]


def test_long_keys_rejected(store: FileJobStore) -> None:
    store.put("jobs", "x" * 200, b"")
    with pytest.raises(ValueError):
        store.put("jobs", "x" * 201, b"")


@pytest.mark.parametrize("file_id", ["", "abc", "../../etc/passwd", "0" * 32 + "/..", "0" * 32 + "/a/b", "0" * 33])
def test_invalid_file_ids_rejected(store: FileJobStore, file_id: str) -> None:
    with pytest.raises(ValueError):
        store.file_exists(file_id)


def test_new_file_id_keeps_a_safe_basename(store: FileJobStore) -> None:
    assert store.new_file_id("my reads.fastq").endswith("/my_reads.fastq")
    assert store.new_file_id("/some/dir/out.txt").endswith("/out.txt")
    assert "/" not in store.new_file_id("..")
    assert "/" not in store.new_file_id("")


def test_local_path_and_link(store: FileJobStore, tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_bytes(b"content")
    file_id = store.write_file(str(src), store.new_file_id("src.txt"))
    local = store.local_path(file_id)
    assert local is not None and local.endswith("src.txt") and Path(local).read_bytes() == b"content"
    store.read_file(file_id, str(tmp_path / "linked"), link=True)
    assert os.stat(tmp_path / "linked").st_ino == os.stat(local).st_ino
    store.read_file(file_id, str(tmp_path / "copied"))
    assert os.stat(tmp_path / "copied").st_ino != os.stat(local).st_ino
    assert store.local_path(store.new_file_id()) is None


def test_link_falls_back_to_copy_across_filesystems(store: FileJobStore, tmp_path: Path) -> None:
    other = Path("/dev/shm")
    assert other.is_dir() and os.stat(other).st_dev != os.stat(store.path).st_dev, (
        "this test needs /dev/shm on a filesystem other than the test's temporary directory"
    )
    src = tmp_path / "src"
    src.write_bytes(b"across")
    file_id = store.write_file(str(src))
    dest = other / f"toil-test-{os.getpid()}"
    try:
        store.read_file(file_id, str(dest), link=True)
        assert dest.read_bytes() == b"across"
    finally:
        dest.unlink(missing_ok=True)


def test_execute_bits_are_kept(store: FileJobStore, tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    file_id = store.write_file(str(script))
    store.read_file(file_id, str(tmp_path / "again.sh"))
    assert os.stat(tmp_path / "again.sh").st_mode & stat.S_IXUSR


def test_read_file_into_missing_directory_is_not_a_missing_file(store: FileJobStore, tmp_path: Path) -> None:
    with store.write_file_stream() as (f, file_id):
        f.write(b"x")
    for link in (False, True):
        with pytest.raises(FileNotFoundError):
            store.read_file(file_id, str(tmp_path / "no" / "such" / "dir"), link=link)


# -- leader lock -----------------------------------------------------------------------
def test_lock_on_missing_store(tmp_path: Path) -> None:
    with pytest.raises(NoSuchJobStoreError):
        file_store(tmp_path / "nowhere").acquire_leader_lock("me")


def test_lock_fd_is_close_on_exec(store: FileJobStore) -> None:
    assert store.lock_fd() is None
    store.acquire_leader_lock("me")
    fd = store.lock_fd()
    assert fd is not None and fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    store.acquire_leader_lock("me again")  # re-acquiring a held lock is fine
    store.release_leader_lock()
    assert store.lock_fd() is None


def _fork_check_lock_closed(conn: Connection, store: FileJobStore, fd: int) -> None:
    closed = store.lock_fd() is None
    lock_inode = os.stat(os.path.join(store.path, LOCK_FILE)).st_ino
    # The fd number may have been reused for something else since, so compare inodes.
    with contextlib.suppress(OSError):
        closed = closed and os.fstat(fd).st_ino != lock_inode
    store.release_leader_lock()  # a no-op in the child: must not free the parent's lock
    conn.send(closed)


def test_forked_child_closes_the_lock_fd(store: FileJobStore, tmp_path: Path) -> None:
    store.acquire_leader_lock("parent")
    fd = store.lock_fd()
    assert fd is not None
    child, closed = start_child(_fork_check_lock_closed, store, fd)
    child.join(10)
    assert closed is True
    assert store.lock_fd() == fd
    with pytest.raises(JobStoreLockedError, match="parent"):
        file_store(tmp_path / "store").acquire_leader_lock("intruder")
    store.release_leader_lock()


def _leader_with_forked_worker(conn: Connection, path: Path) -> None:
    leader = file_store(path)
    leader.acquire_leader_lock(f"pid {os.getpid()} on host test")
    worker = os.fork()
    if worker == 0:
        signal.pause()
        os._exit(0)
    conn.send(worker)
    signal.pause()


def test_forked_worker_does_not_keep_the_lock_of_a_dead_leader(store: FileJobStore) -> None:
    leader, worker = start_child(_leader_with_forked_worker, Path(store.path))
    try:
        with pytest.raises(JobStoreLockedError, match=f"pid {leader.pid} on host test"):
            store.acquire_leader_lock("next leader")
        kill_child(leader)
        os.kill(worker, 0)  # the worker outlives its leader ...
        store.acquire_leader_lock("next leader")  # ... without holding the lock
        store.release_leader_lock()
    finally:
        kill_child(leader)
        os.kill(worker, signal.SIGKILL)
