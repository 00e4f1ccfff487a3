"""The job-store contract as a reusable test suite.

Subclass ``JobStoreContract`` in a ``test_*.py`` module (the class name must start with
``Test``) and implement ``make_store``. Child processes are forked, so ``make_store`` may
close over anything the test process has.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from toil.core.jobstore import (
    NAMESPACES,
    AbstractJobStore,
    JobStoreExistsError,
    JobStoreLockedError,
    NoSuchBlobError,
    NoSuchFileError,
    NoSuchJobStoreError,
)

FORK = multiprocessing.get_context("fork")
PAYLOAD_SIZE = 1 << 20


def start_child(target: Callable[..., None], *args: Any) -> Any:
    """Fork a process running target(conn, *args) and wait for its first message."""
    parent_end, child_end = FORK.Pipe()
    process = FORK.Process(target=target, args=(child_end, *args), daemon=True)
    process.start()
    child_end.close()
    assert parent_end.poll(20), "the child process did not report in time"
    message = parent_end.recv()
    assert not isinstance(message, BaseException), message
    return process, message


def kill_child(process: Any) -> None:
    """SIGKILL a child and reap it.

    Polls rather than join(), which waits for a pipe that the child's own forked children
    may still hold open.
    """
    if process.exitcode is None:
        os.kill(process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.exitcode is not None, "the child process did not die"


class JobStoreContract:
    """Tests every job store must pass."""

    def make_store(self, tmp_path: Path) -> AbstractJobStore:
        """Return a new, not yet created store object for the location of tmp_path.

        Repeated calls with the same tmp_path must address the same store.
        """
        raise NotImplementedError

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[AbstractJobStore]:
        store = self.make_store(tmp_path)
        store.create()
        yield store
        store.destroy()

    # -- life cycle -------------------------------------------------------------------
    def test_create_then_exists_and_resume(self, tmp_path: Path) -> None:
        store = self.make_store(tmp_path)
        assert not store.exists()
        store.create()
        assert store.exists()
        other = self.make_store(tmp_path)
        other.resume()
        assert other.exists()

    def test_create_twice_fails(self, store: AbstractJobStore, tmp_path: Path) -> None:
        with pytest.raises(JobStoreExistsError, match="already exists"):
            self.make_store(tmp_path).create()

    def test_resume_missing_fails(self, tmp_path: Path) -> None:
        with pytest.raises(NoSuchJobStoreError, match="does not exist"):
            self.make_store(tmp_path).resume()

    def test_destroy_removes_everything(self, tmp_path: Path) -> None:
        store = self.make_store(tmp_path)
        store.create()
        store.put("jobs", "a", b"x")
        file_id = store.new_file_id("f.txt")
        with store.write_file_stream(file_id) as (f, _):
            f.write(b"data")
        store.destroy()
        assert not store.exists()
        with pytest.raises(NoSuchJobStoreError):
            self.make_store(tmp_path).resume()
        store.destroy()  # missing is no error
        store.create()  # and the place can be used again
        assert list(store.keys("jobs")) == []

    def test_destroy_missing_is_fine(self, tmp_path: Path) -> None:
        self.make_store(tmp_path).destroy()

    # -- leader lock ------------------------------------------------------------------
    def test_lock_excludes_a_second_object(self, store: AbstractJobStore, tmp_path: Path) -> None:
        other = self.make_store(tmp_path)
        other.resume()
        store.acquire_leader_lock("pid 1 on host first")
        with pytest.raises(JobStoreLockedError, match="pid 1 on host first"):
            other.acquire_leader_lock("pid 2 on host second")
        store.release_leader_lock()
        other.acquire_leader_lock("pid 2 on host second")
        other.release_leader_lock()
        other.release_leader_lock()  # releasing a lock not held is no error

    def _hold_lock(self, conn: Connection, tmp_path: Path, owner: str) -> None:
        try:
            holder = self.make_store(tmp_path)
            holder.resume()
            holder.acquire_leader_lock(owner)
        except BaseException as e:
            conn.send(e)
            raise
        conn.send("locked")
        signal.pause()

    def test_lock_excludes_another_process_until_it_dies(self, store: AbstractJobStore, tmp_path: Path) -> None:
        holder, _ = start_child(self._hold_lock, tmp_path, "pid 123 on host elsewhere")
        try:
            with pytest.raises(JobStoreLockedError) as info:
                store.acquire_leader_lock("pid 456 on host here")
            assert "pid 123 on host elsewhere" in str(info.value)
            assert "toil kill" in str(info.value)
        finally:
            kill_child(holder)
        store.acquire_leader_lock("pid 456 on host here")
        store.release_leader_lock()

    # -- blobs ------------------------------------------------------------------------
    def test_blob_round_trip_in_every_namespace(self, store: AbstractJobStore) -> None:
        for namespace in NAMESPACES:
            data = namespace.encode() + bytes(range(256))
            store.put(namespace, "key-1.a_b", data)
            assert store.has(namespace, "key-1.a_b")
            assert store.get(namespace, "key-1.a_b") == data
        store.put("jobs", "key-1.a_b", b"")
        assert store.get("jobs", "key-1.a_b") == b""
        assert store.get("logs", "key-1.a_b").startswith(b"logs")

    def test_blob_missing(self, store: AbstractJobStore) -> None:
        assert not store.has("jobs", "nope")
        with pytest.raises(NoSuchBlobError, match="nope") as info:
            store.get("jobs", "nope")
        assert isinstance(info.value, KeyError)
        store.delete("jobs", "nope")  # missing is no error

    def test_blob_delete(self, store: AbstractJobStore) -> None:
        store.put("results", "r", b"1")
        store.delete("results", "r")
        assert not store.has("results", "r")
        with pytest.raises(NoSuchBlobError):
            store.get("results", "r")

    def test_keys(self, store: AbstractJobStore) -> None:
        names = {f"job-{i}" for i in range(300)}
        for name in names:
            store.put("jobs", name, b"{}")
        store.put("bodies", "other", b"")
        assert set(store.keys("jobs")) == names
        assert set(store.keys("bodies")) == {"other"}
        assert list(store.keys("logs")) == []

    @pytest.mark.parametrize("key", ["", "a/b", "..", ".", "../x", "a b", "caf\u00e9", "a~b", "a:b"])
    def test_invalid_keys_rejected(self, store: AbstractJobStore, key: str) -> None:
        with pytest.raises(ValueError):
            store.put("jobs", key, b"x")
        with pytest.raises(ValueError):
            store.get("jobs", key)

    def test_unknown_namespace_rejected(self, store: AbstractJobStore) -> None:
        with pytest.raises(ValueError):
            store.put("nonsense", "a", b"x")  # type: ignore[arg-type]

    def _rewrite_blob(self, conn: Connection, tmp_path: Path, rounds: int) -> None:
        writer = self.make_store(tmp_path)
        writer.resume()
        conn.send("ready")
        for i in range(rounds):
            writer.put("bodies", "hot", bytes([i % 256]) * PAYLOAD_SIZE)
        conn.send("done")

    def test_readers_never_see_partial_blobs(self, store: AbstractJobStore, tmp_path: Path) -> None:
        store.put("bodies", "hot", b"\xff" * PAYLOAD_SIZE)
        parent_end, child_end = FORK.Pipe()
        writer = FORK.Process(target=self._rewrite_blob, args=(child_end, tmp_path, 150), daemon=True)
        writer.start()
        assert parent_end.recv() == "ready"
        reads = 0
        while (writer.is_alive() and not parent_end.poll()) or reads < 20:
            data = store.get("bodies", "hot")
            assert len(data) == PAYLOAD_SIZE and data == data[:1] * PAYLOAD_SIZE
            reads += 1
        writer.join(20)
        assert writer.exitcode == 0
        assert store.get("bodies", "hot") == bytes([149]) * PAYLOAD_SIZE

    # -- user files -------------------------------------------------------------------
    def test_new_file_ids_are_fresh(self, store: AbstractJobStore) -> None:
        ids = {store.new_file_id() for _ in range(100)} | {store.new_file_id("x.txt") for _ in range(100)}
        assert len(ids) == 200
        assert not any(store.file_exists(file_id) for file_id in ids)

    def test_write_and_read_file(self, store: AbstractJobStore, tmp_path: Path) -> None:
        src = tmp_path / "in.txt"
        src.write_bytes(b"hello\n" * 1000)
        file_id = store.write_file(str(src), store.new_file_id("in.txt"))
        src.write_bytes(b"changed")  # the store keeps its own copy
        assert store.file_exists(file_id)
        assert store.file_size(file_id) == 6000
        dest = tmp_path / "out.txt"
        dest.write_bytes(b"old content to be replaced")
        store.read_file(file_id, str(dest))
        assert dest.read_bytes() == b"hello\n" * 1000
        assert file_id in set(store.file_ids())

    def test_write_file_without_id_and_overwrite(self, store: AbstractJobStore, tmp_path: Path) -> None:
        src = tmp_path / "a"
        src.write_bytes(b"one")
        file_id = store.write_file(str(src))
        src.write_bytes(b"two!")
        assert store.write_file(str(src), file_id) == file_id
        with store.read_file_stream(file_id) as f:
            assert f.read() == b"two!"
        assert store.file_size(file_id) == 4

    def test_read_file_linked(self, store: AbstractJobStore, tmp_path: Path) -> None:
        src = tmp_path / "src"
        src.write_bytes(b"linked")
        file_id = store.write_file(str(src))
        dest = tmp_path / "dest"
        dest.write_bytes(b"in the way")
        store.read_file(file_id, str(dest), link=True)
        assert dest.read_bytes() == b"linked"
        # Rewriting the stored file must not change what was handed out.
        src.write_bytes(b"new")
        store.write_file(str(src), file_id)
        assert dest.read_bytes() == b"linked"

    def test_streams(self, store: AbstractJobStore) -> None:
        with store.write_file_stream() as (f, file_id):
            f.write(b"part 1, ")
            f.write(b"part 2")
            assert not store.file_exists(file_id)  # visible only when the block ends
        assert store.file_exists(file_id)
        with store.read_file_stream(file_id) as f:
            assert f.read() == b"part 1, part 2"
        chosen = store.new_file_id("chosen.bin")
        with store.write_file_stream(chosen) as (f, returned):
            f.write(b"\x00\x01")
        assert returned == chosen
        assert store.file_size(chosen) == 2

    def test_failed_stream_write_leaves_nothing(self, store: AbstractJobStore) -> None:
        file_id = store.new_file_id("broken")
        with pytest.raises(RuntimeError), store.write_file_stream(file_id) as (f, _):
            f.write(b"half")
            raise RuntimeError("boom")
        assert not store.file_exists(file_id)
        assert file_id not in set(store.file_ids())

    def test_failed_stream_rewrite_keeps_old_content(self, store: AbstractJobStore) -> None:
        with store.write_file_stream() as (f, file_id):
            f.write(b"old")
        with pytest.raises(RuntimeError), store.write_file_stream(file_id) as (f, _):
            f.write(b"new, but broken")
            raise RuntimeError("boom")
        with store.read_file_stream(file_id) as f:
            assert f.read() == b"old"

    def test_missing_files(self, store: AbstractJobStore, tmp_path: Path) -> None:
        file_id = store.new_file_id("ghost")
        assert not store.file_exists(file_id)
        with pytest.raises(NoSuchFileError, match="No file with id"):
            store.read_file(file_id, str(tmp_path / "x"))
        with pytest.raises(NoSuchFileError):
            store.read_file(file_id, str(tmp_path / "x"), link=True)
        with pytest.raises(NoSuchFileError), store.read_file_stream(file_id):
            pass
        with pytest.raises(NoSuchFileError):
            store.file_size(file_id)
        store.delete_file(file_id)  # missing is no error
        assert not (tmp_path / "x").exists()

    def test_delete_file_and_ids(self, store: AbstractJobStore) -> None:
        ids = []
        for i in range(20):
            with store.write_file_stream(store.new_file_id(f"f{i}.txt")) as (f, file_id):
                f.write(b"%d" % i)
            ids.append(file_id)
        assert set(store.file_ids()) == set(ids)
        for file_id in ids[:10]:
            store.delete_file(file_id)
        assert set(store.file_ids()) == set(ids[10:])
        assert not store.file_exists(ids[0])
