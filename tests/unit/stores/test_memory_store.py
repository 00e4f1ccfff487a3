"""MemoryJobStore, the in-memory test double: the job-store contract, and what a double adds.

Two contract tests need a second process to see the store; a memory store exists only in its
own process, so they are replaced here by their in-process counterparts (each says why).
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from tests.unit.stores.contract import PAYLOAD_SIZE, JobStoreContract
from toil.core import plugins
from toil.core.jobstore import JobStoreLockedError, NoSuchJobStoreError, parse_locator
from toil.stores.memory import MemoryJobStore, store_names


def memory_store(name: str) -> MemoryJobStore:
    return MemoryJobStore(f"memory:{name}", name)


class TestMemoryJobStoreContract(JobStoreContract):
    def make_store(self, tmp_path: Path) -> MemoryJobStore:
        # One name per test directory: repeated calls address the same store, tests never share one.
        return memory_store(f"contract-{tmp_path.parent.name}-{tmp_path.name}")

    def test_lock_excludes_another_process_until_it_dies(self, store: MemoryJobStore, tmp_path: Path) -> None:
        """Not applicable: no other process can see a memory store, so none can hold its lock.

        In its place: a lock taken in another thread (by another store object) excludes this
        one until that object releases it, and the error names the holder.
        """
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            holder = self.make_store(tmp_path)
            holder.resume()
            holder.acquire_leader_lock("thread elsewhere")
            held.set()
            release.wait(10)
            holder.release_leader_lock()

        thread = threading.Thread(target=hold)
        thread.start()
        assert held.wait(10)
        with pytest.raises(JobStoreLockedError, match="thread elsewhere") as info:
            store.acquire_leader_lock("here")
        assert "toil kill" in str(info.value)
        release.set()
        thread.join(10)
        store.acquire_leader_lock("here")
        store.release_leader_lock()

    def test_readers_never_see_partial_blobs(self, store: MemoryJobStore, tmp_path: Path) -> None:
        """Not applicable as written: its writer is a forked process, which sees a copy of the store.

        In its place the writer is a thread of this process, writing through another store object.
        """
        store.put("bodies", "hot", b"\xff" * PAYLOAD_SIZE)
        done = threading.Event()

        def rewrite() -> None:
            writer = self.make_store(tmp_path)
            writer.resume()
            for i in range(150):
                writer.put("bodies", "hot", bytes([i % 256]) * PAYLOAD_SIZE)
            done.set()

        thread = threading.Thread(target=rewrite)
        thread.start()
        reads = 0
        while not done.is_set() or reads < 20:
            data = store.get("bodies", "hot")
            assert len(data) == PAYLOAD_SIZE and data == data[:1] * PAYLOAD_SIZE
            reads += 1
        thread.join(10)
        assert store.get("bodies", "hot") == bytes([149]) * PAYLOAD_SIZE


def test_locator_reaches_the_class_and_names_the_store() -> None:
    name = f"reach-{uuid.uuid4().hex}"
    kind, rest = parse_locator(f"memory:{name}")
    assert (kind, rest) == ("memory", name)
    created = plugins.open_job_store(f"memory:{name}")
    assert isinstance(created, MemoryJobStore)
    created.create()
    try:
        assert name in store_names()
        other = plugins.open_job_store(f"memory:{name}")
        other.resume()
        created.put("shared", "k", b"seen by every object of the name")
        assert other.get("shared", "k") == b"seen by every object of the name"
    finally:
        created.destroy()
    assert name not in store_names()


def test_locator_without_a_name_is_refused() -> None:
    with pytest.raises(ValueError, match="names no memory store"):
        parse_locator("memory:")


def test_a_destroyed_store_is_gone_for_every_object() -> None:
    store, other = memory_store("gone-" + uuid.uuid4().hex), None
    store.create()
    other = memory_store(store.name)
    other.resume()
    store.destroy()
    with pytest.raises(NoSuchJobStoreError):
        other.get("jobs", "a")


def test_operations_are_counted_across_objects() -> None:
    store = memory_store("counted-" + uuid.uuid4().hex)
    store.create()
    try:
        other = memory_store(store.name)
        store.put("jobs", "a", b"1")
        other.get("jobs", "a")
        other.get("jobs", "a")
        assert not store.has("jobs", "b")
        assert (store.operations["put"], store.operations["get"], store.operations["has"]) == (1, 2, 1)
        assert other.operations is store.operations
    finally:
        store.destroy()


def test_stored_bytes_are_a_copy(tmp_path: Path) -> None:
    store = memory_store("copy-" + uuid.uuid4().hex)
    store.create()
    try:
        data = bytearray(b"before")
        store.put("results", "r", data)  # type: ignore[arg-type]
        data[:] = b"after!"
        assert store.get("results", "r") == b"before"
    finally:
        store.destroy()
