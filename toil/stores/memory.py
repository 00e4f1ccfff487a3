"""The ``memory:NAME`` job store: a test double that keeps a workflow in this process's memory.

It honours the job-store contract (toil.core.jobstore) without a disk: blobs and files are
bytes in dictionaries. The contents live in a registry of named stores, so every store object
built for ``memory:NAME`` in this process (the leader's, and the worker's that
``toil.core.worker.open_workflow`` builds from the locator) sees the same workflow. Another
process sees nothing of it: its natural partner is the ``inline`` batch system, which runs
workers in the leader's process. Name each workflow afresh (a worker keeps the store and
settings it opened for a locator for the life of the process).

Every call is counted per operation (``operations``, shared by all objects of one store), so
tests can assert how much work the engine asks of its store (reads per job, say) instead of
timing it.
"""

from __future__ import annotations

import collections
import contextlib
import io
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from toil.core.jobstore import (
    NAMESPACES,
    AbstractJobStore,
    JobStoreExistsError,
    JobStoreLockedError,
    Namespace,
    NoSuchBlobError,
    NoSuchFileError,
    NoSuchJobStoreError,
)
from toil.stores.names import check_file_id, check_key, check_namespace, new_file_id


@dataclass
class _Contents:
    """One named store: what every MemoryJobStore object of that name reads and writes."""

    blobs: dict[str, dict[str, bytes]] = field(default_factory=lambda: {ns: {} for ns in NAMESPACES})
    files: dict[str, bytes] = field(default_factory=dict)
    lock_holder: object | None = None  # the store object holding the leader lock
    lock_owner: str = ""
    operations: collections.Counter[str] = field(default_factory=collections.Counter)


_stores: dict[str, _Contents] = {}
_registry_lock = threading.Lock()


def store_names() -> list[str]:
    """The names of the memory stores that exist in this process."""
    with _registry_lock:
        return sorted(_stores)


class MemoryJobStore(AbstractJobStore):
    """A job store held in this process's memory, found by name (``memory:NAME``)."""

    def __init__(self, locator: str, name: str) -> None:
        super().__init__(locator)
        if not name:
            raise ValueError(f"The job store locator '{locator}' names no memory store (use memory:NAME).")
        self.name = name

    @property
    def _contents(self) -> _Contents:
        """The store's contents, looked up by name on every use (a destroyed store is gone for all)."""
        try:
            return _stores[self.name]
        except KeyError:
            raise NoSuchJobStoreError(self.locator) from None

    @property
    def operations(self) -> collections.Counter[str]:
        """How many times each operation was called on this store, by any of its objects."""
        return self._contents.operations

    def _count(self, operation: str) -> _Contents:
        contents = self._contents
        contents.operations[operation] += 1
        return contents

    # -- life cycle -------------------------------------------------------------------
    def create(self) -> None:
        with _registry_lock:
            if self.name in _stores:
                raise JobStoreExistsError(self.locator)
            _stores[self.name] = _Contents()

    def resume(self) -> None:
        if not self.exists():
            raise NoSuchJobStoreError(self.locator)

    def exists(self) -> bool:
        return self.name in _stores

    def destroy(self) -> None:
        with _registry_lock:
            _stores.pop(self.name, None)

    def acquire_leader_lock(self, owner: str) -> None:
        """Take the lock for this object; another object of the same store is refused.

        Only this process can see a memory store, so the lock goes with the store object,
        not with a process (the contract's "released when its holder dies" cannot arise).
        """
        contents = self._contents
        with _registry_lock:
            if contents.lock_holder not in (None, self):
                raise JobStoreLockedError(
                    f"The job store '{self.locator}' is in use by another leader ({contents.lock_owner}); "
                    "wait for it to finish or stop it with toil kill."
                )
            contents.lock_holder, contents.lock_owner = self, owner

    def release_leader_lock(self) -> None:
        contents = _stores.get(self.name)
        if contents is not None and contents.lock_holder is self:
            contents.lock_holder, contents.lock_owner = None, ""

    # -- small blobs ------------------------------------------------------------------
    def _namespace(self, operation: str, namespace: Namespace, key: str) -> dict[str, bytes]:
        check_namespace(namespace)
        check_key(key)
        return self._count(operation).blobs[namespace]

    def put(self, namespace: Namespace, key: str, data: bytes) -> None:
        self._namespace("put", namespace, key)[key] = bytes(data)  # one assignment: atomic

    def commit_record(self, key: str, data: bytes) -> None:
        self._namespace("commit_record", "jobs", key)[key] = bytes(data)

    def get(self, namespace: Namespace, key: str) -> bytes:
        try:
            return self._namespace("get", namespace, key)[key]
        except KeyError:
            raise NoSuchBlobError(namespace, key) from None

    def has(self, namespace: Namespace, key: str) -> bool:
        return key in self._namespace("has", namespace, key)

    def delete(self, namespace: Namespace, key: str) -> None:
        self._namespace("delete", namespace, key).pop(key, None)

    def keys(self, namespace: Namespace) -> Iterator[str]:
        check_namespace(namespace)
        return iter(list(self._count("keys").blobs[namespace]))

    # -- user files -------------------------------------------------------------------
    def new_file_id(self, basename: str | None = None) -> str:
        return new_file_id(basename)

    def _files(self, operation: str, file_id: str) -> dict[str, bytes]:
        check_file_id(file_id)
        return self._count(operation).files

    def _read(self, operation: str, file_id: str) -> bytes:
        try:
            return self._files(operation, file_id)[file_id]
        except KeyError:
            raise NoSuchFileError(file_id) from None

    def write_file(self, local_path: str, file_id: str | None = None, owned: bool = False) -> str:
        file_id = file_id or self.new_file_id()
        files = self._files("write_file", file_id)
        with open(local_path, "rb") as f:
            files[file_id] = f.read()
        return file_id

    def read_file(self, file_id: str, local_path: str, link: bool = False) -> None:
        """Write the stored bytes to local_path (a memory store has nothing to link: always a copy)."""
        data = self._read("read_file", file_id)
        temporary = f"{local_path}.~{os.getpid()}"
        with open(temporary, "wb") as f:
            f.write(data)
        os.replace(temporary, local_path)

    @contextlib.contextmanager
    def write_file_stream(self, file_id: str | None = None) -> Iterator[tuple[IO[bytes], str]]:
        file_id = file_id or self.new_file_id()
        files = self._files("write_file_stream", file_id)
        with io.BytesIO() as buffer:
            yield buffer, file_id
            files[file_id] = buffer.getvalue()

    @contextlib.contextmanager
    def read_file_stream(self, file_id: str) -> Iterator[IO[bytes]]:
        with io.BytesIO(self._read("read_file_stream", file_id)) as stream:
            yield stream

    def file_exists(self, file_id: str) -> bool:
        return file_id in self._files("file_exists", file_id)

    def file_size(self, file_id: str) -> int:
        return len(self._read("file_size", file_id))

    def delete_file(self, file_id: str) -> None:
        self._files("delete_file", file_id).pop(file_id, None)

    def file_ids(self) -> Iterator[str]:
        return iter(list(self._count("file_ids").files))
