"""The job-store contract: where a workflow keeps every piece of its state.

A job store holds small named blobs in a few namespaces (job records, job bodies,
return values, logs, shared files) and user files addressed by file ids. Every write
is atomic: a reader sees the old content or the new content, never a mix, so a crash
at any instant leaves a store that ``--restart`` can continue from.
"""

from __future__ import annotations

import abc
import argparse
import contextlib
import io
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any, Literal

#: Namespaces of small blobs. Records are JSON job descriptions, bodies and results are
#: pickles, logs are text, shared holds workflow-wide blobs (config, root id).
Namespace = Literal["jobs", "bodies", "results", "logs", "shared"]
#: Names in "shared" that user code writes (Toil's ``write_shared_file_stream``) start with this.
USER_SHARED_PREFIX = "user-"
NAMESPACES: tuple[Namespace, ...] = ("jobs", "bodies", "results", "logs", "shared")


class JobStoreError(Exception):
    """Base of the errors a job store raises; their message is one clear line."""


class NoSuchJobStoreError(JobStoreError):
    def __init__(self, locator: str) -> None:
        super().__init__(f"The job store '{locator}' does not exist, so there is nothing to restart.")
        self.locator = locator


class JobStoreExistsError(JobStoreError):
    def __init__(self, locator: str) -> None:
        super().__init__(
            f"The job store '{locator}' already exists. Use --restart to resume the workflow in it, "
            f"or remove it (toil clean {locator}) to start afresh."
        )
        self.locator = locator


class JobStoreCreationError(JobStoreError):
    """The store could not be created (permissions, a file in the way, ...)."""


class JobStoreLockedError(JobStoreError):
    """Another leader holds the store."""


class NotAJobStoreError(JobStoreError):
    """The locator names something that exists but is not a job store."""


class NoSuchBlobError(JobStoreError, KeyError):
    def __init__(self, namespace: str, key: str) -> None:
        super().__init__(f"No {namespace} entry '{key}' in the job store.")
        self.namespace = namespace
        self.key = key

    def __str__(self) -> str:
        return str(self.args[0])


class NoSuchFileError(JobStoreError, KeyError):
    def __init__(self, file_id: str) -> None:
        super().__init__(f"No file with id '{file_id}' in the job store.")
        self.file_id = file_id

    def __str__(self) -> str:
        return str(self.args[0])


class AbstractJobStore(abc.ABC):
    """Everything the leader, the workers and the front-ends keep between steps."""

    def __init__(self, locator: str, address: str = "") -> None:
        """Build the store of ``locator``; ``address`` is its part after the kind (a path, REGION:NAME ...)."""
        self.locator = locator

    # -- plugin hooks (optional) ------------------------------------------------------
    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        """Add this kind's own options (in a section of its own) to Toil's parser."""

    def configure(self, options: argparse.Namespace) -> None:
        """Take this kind's settings from the leader's options, before create() or resume()."""

    # -- life cycle -------------------------------------------------------------------
    @abc.abstractmethod
    def create(self) -> None:
        """Create an empty store; raise JobStoreExistsError or JobStoreCreationError."""

    @abc.abstractmethod
    def resume(self) -> None:
        """Open an existing store; raise NoSuchJobStoreError or NotAJobStoreError."""

    @abc.abstractmethod
    def exists(self) -> bool:
        """Tell whether a job store is at this locator."""

    @abc.abstractmethod
    def destroy(self) -> None:
        """Delete the store and everything in it; a missing store is no error."""

    @abc.abstractmethod
    def acquire_leader_lock(self, owner: str) -> None:
        """Take the leader lock, or raise JobStoreLockedError naming its holder.

        The lock must be released by the death of the process that holds it (or expire),
        so that a killed leader never blocks ``--restart``.
        """

    @abc.abstractmethod
    def release_leader_lock(self) -> None:
        """Give the leader lock back; releasing a lock not held is no error."""

    # -- small blobs ------------------------------------------------------------------
    @abc.abstractmethod
    def put(self, namespace: Namespace, key: str, data: bytes) -> None:
        """Write a blob atomically, replacing any previous content."""

    @abc.abstractmethod
    def get(self, namespace: Namespace, key: str) -> bytes:
        """Read a blob; raise NoSuchBlobError when it is missing."""

    def get_many(self, namespace: Namespace, keys: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(key, content) of each blob of keys, in their order; missing ones are left out.

        For reading a whole namespace (``toil status``, ``toil stats``): a store whose reads
        mostly wait (on a disk, on the network) reads several at once.
        """
        for key in keys:
            try:
                yield key, self.get(namespace, key)
            except NoSuchBlobError:
                continue

    @abc.abstractmethod
    def has(self, namespace: Namespace, key: str) -> bool:
        """Tell whether a blob exists."""

    @abc.abstractmethod
    def delete(self, namespace: Namespace, key: str) -> None:
        """Delete a blob; a missing blob is no error."""

    @abc.abstractmethod
    def keys(self, namespace: Namespace) -> Iterator[str]:
        """Yield the keys of a namespace, in no particular order."""

    # -- user files -------------------------------------------------------------------
    @abc.abstractmethod
    def new_file_id(self, basename: str | None = None) -> str:
        """Return a fresh, unused file id (the file does not exist until written)."""

    def commit_record(self, key: str, data: bytes) -> None:
        """Write a job's committed record over the one it was created with, atomically.

        Readers see the old record or the new, never a mix. A store may keep both and let
        readers take the newest whole one (toil.core.description reads records with several
        versions, a line each): the file job store appends, which spares making a new file and
        freeing the old for every job.
        """
        self.put("jobs", key, data)

    @abc.abstractmethod
    def write_file(self, local_path: str, file_id: str | None = None, owned: bool = False) -> str:
        """Copy a local file into the store (atomically) and return its id.

        ``owned``: the caller gives the file up (it is scratch that nobody changes again), so a
        store on the same filesystem may take it by a hard link instead of a copy.
        """

    def link_import(self, local_path: str, file_id: str) -> bool:
        """Take a local input file in without copying it, where this store can; return whether it did.

        The store then shares the user's file (a hard or symbolic link): it must not change while
        the workflow runs, and changed_imports() tells when it did.
        """
        return False

    def changed_imports(self) -> list[str]:
        """One line for each input taken in by link_import that changed since (or is gone)."""
        return []

    @abc.abstractmethod
    def read_file(self, file_id: str, local_path: str, link: bool = False) -> None:
        """Copy a stored file to a local path; with ``link``, a hard link where possible.

        Raise NoSuchFileError when the file is missing.
        """

    @abc.abstractmethod
    def write_file_stream(self, file_id: str | None = None) -> contextlib.AbstractContextManager[tuple[IO[bytes], str]]:
        """Open a binary stream whose content becomes the file when the block ends cleanly."""

    @abc.abstractmethod
    def read_file_stream(self, file_id: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """Open a stored file as a binary stream."""

    @abc.abstractmethod
    def file_exists(self, file_id: str) -> bool:
        """Tell whether a file id names a stored file."""

    @abc.abstractmethod
    def file_size(self, file_id: str) -> int:
        """Return the size of a stored file; raise NoSuchFileError when missing."""

    @abc.abstractmethod
    def delete_file(self, file_id: str) -> None:
        """Delete a stored file; a missing file is no error."""

    @abc.abstractmethod
    def file_ids(self) -> Iterator[str]:
        """Yield every stored file id."""

    def local_path(self, file_id: str) -> str | None:
        """Return a local path of the stored file when the store has one, else None."""
        return None

    def local_directory(self) -> str | None:
        """The local directory holding the stored files, when the store is one, else None."""
        return None

    # -- Toil's named shared files (kept apart from the engine's own shared keys) ------------
    @contextlib.contextmanager
    def write_shared_file_stream(
        self, shared_file_name: str, encrypted: bool | None = None,
        encoding: str | None = None, errors: str | None = None,
    ) -> Iterator[IO[Any]]:
        """Write a workflow-wide file by name; it is stored, atomically, when the block ends."""
        buffer = io.BytesIO()
        if encoding is None:
            yield buffer
        else:
            text = io.TextIOWrapper(buffer, encoding=encoding, errors=errors, write_through=True)
            yield text
            text.flush()
        self.put("shared", USER_SHARED_PREFIX + shared_file_name, buffer.getvalue())

    @contextlib.contextmanager
    def read_shared_file_stream(
        self, shared_file_name: str, encoding: str | None = None, errors: str | None = None,
    ) -> Iterator[IO[Any]]:
        """Read a workflow-wide file by name; NoSuchFileError when it was never written."""
        try:
            data = self.get("shared", USER_SHARED_PREFIX + shared_file_name)
        except NoSuchBlobError:
            raise NoSuchFileError(shared_file_name) from None
        raw = io.BytesIO(data)
        yield raw if encoding is None else io.TextIOWrapper(raw, encoding=encoding, errors=errors)

    @contextlib.contextmanager
    def update_file_stream(
        self, file_id: str, encoding: str | None = None, errors: str | None = None,
    ) -> Iterator[IO[Any]]:
        """Replace a stored file's content, atomically, with what the block writes."""
        if not self.file_exists(file_id):
            raise NoSuchFileError(file_id)
        with self.write_file_stream(file_id) as (raw, _):
            if encoding is None:
                yield raw
            else:
                text = io.TextIOWrapper(raw, encoding=encoding, errors=errors)
                yield text
                text.flush()
                text.detach()

    writeSharedFileStream = write_shared_file_stream
    readSharedFileStream = read_shared_file_stream


def parse_locator(locator: str) -> tuple[str, str]:
    """Split a job-store locator into (kind, rest).

    ``file:PATH`` and a bare path are the file store; ``aws:REGION:NAME`` is S3;
    ``memory:NAME`` is the in-memory test double (toil.stores.memory).
    """
    if locator.startswith("file:"):
        rest = locator[len("file:"):]
        if rest.startswith("//"):
            rest = rest[2:]
        if not rest:
            raise ValueError(f"The job store locator '{locator}' names no path.")
        return "file", rest
    if locator.startswith("aws:"):
        parts = locator.split(":", 2)
        if len(parts) != 3 or not parts[1] or not parts[2]:
            raise ValueError(f"The job store locator '{locator}' is not of the form aws:REGION:NAME.")
        return "aws", parts[1] + ":" + parts[2]
    if locator.startswith("memory:"):
        name = locator[len("memory:"):]
        if not name:
            raise ValueError(f"The job store locator '{locator}' names no memory store (use memory:NAME).")
        return "memory", name
    head = locator.split(":", 1)[0]
    if ":" in locator and (re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]+", head) or "://" in locator):
        raise ValueError(
            f"The job store locator '{locator}' has an unknown kind '{head}' (use file:PATH or aws:REGION:NAME)."
        )
    if not locator:
        raise ValueError("The job store locator is empty.")
    return "file", locator
