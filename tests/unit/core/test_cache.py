"""The machine's file cache: hard links for immutable reads, LRU eviction, killed writers."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from toil.core.cache import FileCache
from toil.core.filestore import FileStore
from toil.stores.file import FileJobStore


def writer(content: bytes) -> Callable[[str], None]:
    def fetch(path: str) -> None:
        Path(path).write_bytes(content)

    return fetch


@pytest.fixture
def cache(tmp_path: Path) -> FileCache:
    return FileCache(str(tmp_path / "cache"), budget=250)


def test_immutable_reads_share_one_read_only_inode(cache: FileCache, tmp_path: Path) -> None:
    first, second = str(tmp_path / "first"), str(tmp_path / "second")
    assert cache.read("f1", first, writer(b"data")) is False
    assert cache.read("f1", second, writer(b"other data: must not be fetched")) is True
    assert os.stat(first).st_ino == os.stat(second).st_ino == os.stat(cache.path("f1")).st_ino
    assert Path(second).read_bytes() == b"data"
    assert not os.access(second, os.W_OK) or os.geteuid() == 0
    assert os.stat(second).st_mode & 0o222 == 0


def test_mutable_reads_are_private_copies(cache: FileCache, tmp_path: Path) -> None:
    mine = str(tmp_path / "mine")
    assert cache.read("f1", mine, writer(b"data"), mutable=True) is False
    assert not os.path.exists(cache.path("f1"))  # a mutable miss does not fill the cache
    cache.read("f1", str(tmp_path / "linked"), writer(b"data"))
    cache.read("f1", mine, writer(b"unused"), mutable=True)
    assert os.stat(mine).st_ino != os.stat(cache.path("f1")).st_ino
    Path(mine).write_bytes(b"edited")
    assert Path(cache.path("f1")).read_bytes() == b"data"


def test_evicts_least_recently_used_first(cache: FileCache, tmp_path: Path) -> None:
    def read(file_id: str) -> None:
        dest = tmp_path / f"{file_id}.out"
        cache.read(file_id, str(dest), writer(file_id.encode() * 100))
        dest.unlink()  # the job ended: the entry is no longer in use

    read("a")  # 100 bytes each, budget 250: two fit
    read("b")
    read("a")  # a is now more recently used than b
    read("c")
    assert cache.keys_by_age() == [cache.key("a"), cache.key("c")]
    assert not os.path.exists(cache.path("b")) and os.path.exists(cache.path("a"))
    read("d")
    assert cache.keys_by_age() == [cache.key("c"), cache.key("d")]
    assert cache.total() == 200


def test_entries_in_use_are_not_evicted(cache: FileCache, tmp_path: Path) -> None:
    held = str(tmp_path / "held")
    cache.read("a", held, writer(b"a" * 100))  # still linked by a running job
    for name in ("b", "c"):
        dest = tmp_path / name
        cache.read(name, str(dest), writer(b"x" * 100))
        dest.unlink()
    assert os.path.exists(cache.path("a")) and not os.path.exists(cache.path("b"))
    assert Path(held).read_bytes() == b"a" * 100


def test_a_reader_killed_mid_fetch_leaves_no_entry(cache: FileCache, tmp_path: Path) -> None:
    content = b"0123456789" * 1000

    def half_then_die(path: str) -> None:
        with open(path, "wb") as handle:
            handle.write(content[: len(content) // 2])
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    pid = os.fork()
    if pid == 0:
        try:
            FileCache(cache.directory, budget=cache.budget).read("big", str(tmp_path / "dead"), half_then_die)
        finally:
            os._exit(1)
    status = os.waitpid(pid, 0)[1]
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert not os.path.exists(cache.path("big"))  # only a temporary file is left behind
    dest = str(tmp_path / "alive")
    assert cache.read("big", dest, writer(content)) is False
    assert Path(dest).read_bytes() == content
    assert cache.read("big", str(tmp_path / "again"), writer(b"wrong")) is True
    assert Path(tmp_path / "again").read_bytes() == content


def test_an_entry_without_a_row_is_adopted_and_a_row_without_a_file_dropped(cache: FileCache, tmp_path: Path) -> None:
    cache.read("a", str(tmp_path / "a"), writer(b"a"))
    cache.db.execute("DELETE FROM entries")
    assert cache.read("a", str(tmp_path / "a2"), writer(b"zzz")) is True
    assert cache.keys_by_age() == [cache.key("a")]
    os.unlink(cache.path("a"))
    assert cache.read("a", str(tmp_path / "a3"), writer(b"A")) is False
    assert Path(tmp_path / "a3").read_bytes() == b"A"


# -- through the file store -------------------------------------------------------------------
def file_store(tmp_path: Path, job_id: str, disk: int | None = None) -> FileStore:
    store = FileJobStore(f"file:{tmp_path / 'store'}", str(tmp_path / "store"))
    if not store.exists():
        store.create()
    return FileStore(store, job_id, str(tmp_path / "work"), disk=disk, job_name=f"job-{job_id}", caching=True)


def test_file_store_reads_and_writes_through_the_cache(tmp_path: Path) -> None:
    writing = file_store(tmp_path, "w")
    local = writing.getLocalTempFile()
    Path(local).write_text("shared\n")
    file_id = writing.writeGlobalFile(local)
    writing.committed()  # the job committed: what it wrote is now cached
    writing.cleanup()
    cache = FileCache(str(tmp_path / "work" / "cache"))
    assert Path(cache.path(file_id)).read_text() == "shared\n"

    one, two = file_store(tmp_path, "r1"), file_store(tmp_path, "r2")
    path_one, path_two = one.readGlobalFile(file_id), two.readGlobalFile(file_id)
    stored = one.jobStore.local_path(file_id)
    assert stored is not None
    assert os.stat(path_one).st_ino == os.stat(path_two).st_ino != os.stat(stored).st_ino
    one.jobStore.delete_file(file_id)  # behind the cache's back: reads now come from the cache
    with two.readGlobalFileStream(file_id, encoding="utf-8") as stream:
        assert stream.read() == "shared\n"
    mutable = two.readGlobalFile(file_id, mutable=True)
    assert os.stat(mutable).st_ino != os.stat(path_one).st_ino
    two.deleteGlobalFile(file_id)
    assert not os.path.exists(cache.path(file_id))
    for fs in (one, two):
        fs.cleanup()


def test_using_more_disk_than_requested_is_a_warning(tmp_path: Path) -> None:
    fs = file_store(tmp_path, "greedy", disk=1000)
    Path(fs.getLocalTempFile()).write_bytes(b"x" * 5000)
    fs.check_disk()
    [[level, text]] = fs.messages
    assert level == 30 and "job-greedy" in text and "5000 bytes" in text and "1000 bytes" in text
    modest = file_store(tmp_path, "modest", disk=10_000)
    Path(modest.getLocalTempFile()).write_bytes(b"x" * 5000)
    modest.check_disk()
    assert modest.messages == []


def test_a_link_to_a_stored_file_uses_none_of_the_jobs_disk(tmp_path: Path) -> None:
    store = FileJobStore(f"file:{tmp_path / 'store'}", str(tmp_path / "store"))
    store.create()
    writer = FileStore(store, "w", str(tmp_path / "work"), caching=False)
    local = writer.getLocalTempFile()
    Path(local).write_bytes(b"x" * 5000)
    file_id = writer.writeGlobalFile(local)
    writer.committed()
    writer.cleanup()
    reader = FileStore(store, "r", str(tmp_path / "work"), disk=1000, job_name="job-r", caching=False)
    linked = reader.readGlobalFile(file_id)
    assert os.stat(linked).st_ino == os.stat(str(store.local_path(file_id))).st_ino
    reader.check_disk()
    assert reader.messages == [], "a hard link to the stored copy is not the job's disk"
    reader.readGlobalFile(file_id, mutable=True)  # a copy of its own: 5000 bytes of the job's
    reader.check_disk()
    [[level, text]] = reader.messages
    assert level == 30 and "5000 bytes" in text
    reader.cleanup()
