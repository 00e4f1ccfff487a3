"""CWL File and Directory objects in the job store.

A stored file is ``toilfile:<file id>`` (the core's scheme, shared with the WDL runner).
A stored directory is ``toildir:<tree file id>``: the tree (the core's one directory format,
``toil.core.dirs``) is itself a job-store file, so an in-place update of the directory
(InplaceUpdateRequirement) is seen by every later reader; ``toildir:<tree file id>/a/b``
names an entry in it.
The leader imports inputs and exports outputs; a worker stages inputs into a local
directory before running a tool and uploads what the tool produced.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable
from typing import Any

from cwltool.stdfsaccess import StdFsAccess
from schema_salad.ref_resolver import uri_file_path

from toil.core.dirs import Tree, decode, entry
from toil.core.files import file_id_of, is_stored

DIR_PREFIX = "toildir:"


class CWLFileError(Exception):
    """A file or directory of the workflow is missing or cannot be moved."""


# -- toildir: URIs ------------------------------------------------------------------------
def dir_uri(tree_id: str, subpath: str = "") -> str:
    """The URI of a stored directory tree (or of an entry in it)."""
    sub = subpath.strip("/")
    return DIR_PREFIX + urllib.parse.quote(str(tree_id), safe="") + ("/" + sub if sub else "")


def is_dir_uri(uri: str) -> bool:
    return uri.startswith(DIR_PREFIX)


def parse_dir_uri(uri: str) -> tuple[str, str]:
    """(file id of the tree, path inside it)."""
    quoted, _, subpath = uri[len(DIR_PREFIX):].partition("/")
    return urllib.parse.unquote(quoted), urllib.parse.unquote(subpath)


def resolve_dir_entry(uri: str, load_tree: Callable[[str], Tree]) -> str | Tree | None:
    """What a ``toildir:`` URI names: a ``toilfile:`` URI, a subtree, or None when missing."""
    tree_id, subpath = parse_dir_uri(uri)
    return entry(load_tree(tree_id), subpath)


def is_job_store_uri(uri: str) -> bool:
    return is_stored(uri) or is_dir_uri(uri)


# -- walking CWL objects -----------------------------------------------------------------
def visit_files(obj: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    """Call ``visit`` on every File and Directory object, outermost first."""
    if isinstance(obj, dict):
        if obj.get("class") in ("File", "Directory"):
            visit(obj)
        for value in list(obj.values()):
            visit_files(value, visit)
    elif isinstance(obj, list):
        for item in obj:
            visit_files(item, visit)


def local_path_of(location: str) -> str | None:
    if location.startswith("file://"):
        return uri_file_path(location)
    if location.startswith("/"):
        return location
    return None


# -- the file system cwltool sees in the leader ------------------------------------------------
class ToilFsAccess(StdFsAccess):
    """cwltool's file access, also reading ``toilfile:`` and ``toildir:`` URIs from a job store."""

    def __init__(self, basedir: str, store: Any = None) -> None:
        super().__init__(basedir)
        self.store = store

    def _load_tree(self, tree_id: str) -> Tree:
        if self.store is None:
            raise CWLFileError("Cannot read a stored directory here (no job store)")
        with self.store.read_file_stream(tree_id) as f:
            return decode(f.read())

    def _target(self, fn: str) -> str | Tree | None:
        return resolve_dir_entry(fn, self._load_tree) if is_dir_uri(fn) else fn

    def open(self, fn: str, mode: str) -> Any:
        target = self._target(fn)
        if isinstance(target, str) and is_stored(target):
            if self.store is None:
                raise CWLFileError(f"Cannot read {fn} here (no job store)")
            path = self.store.local_path(file_id_of(target))
            if path is None:  # a remote store (S3): read a copy
                path = self._download(file_id_of(target))
            return open(path, mode)  # noqa: SIM115 - the caller closes it
        if target is None or isinstance(target, dict):
            raise CWLFileError(f"{fn} is not a file")
        return super().open(target, mode)

    def _download(self, file_id: str) -> str:
        handle, path = tempfile.mkstemp(prefix="toil-cwl-")
        with os.fdopen(handle, "wb") as out, self.store.read_file_stream(file_id) as stream:
            shutil.copyfileobj(stream, out)
        return path

    def exists(self, fn: str) -> bool:
        target = self._target(fn)
        if isinstance(target, dict):
            return True
        if target is None:
            return False
        if is_stored(target):
            return self.store is None or bool(self.store.file_exists(file_id_of(target)))
        return super().exists(target)

    def size(self, fn: str) -> int:
        target = self._target(fn)
        if isinstance(target, str) and is_stored(target) and self.store is not None:
            return int(self.store.file_size(file_id_of(target)))
        if isinstance(target, str) and not is_stored(target):
            return super().size(target)
        return 0

    def isfile(self, fn: str) -> bool:
        target = self._target(fn)
        if isinstance(target, str):
            return is_stored(target) or super().isfile(target)
        return False

    def isdir(self, fn: str) -> bool:
        target = self._target(fn)
        if isinstance(target, dict):
            return True
        return isinstance(target, str) and not is_stored(target) and super().isdir(target)

    def listdir(self, fn: str) -> list[str]:
        target = self._target(fn)
        if isinstance(target, dict):
            base = fn.rstrip("/")
            return [base + "/" + urllib.parse.quote(name) for name in sorted(target)]
        if isinstance(target, str) and not is_stored(target):
            return super().listdir(target)
        raise CWLFileError(f"{fn} is not a directory")

    def realpath(self, path: str) -> str:
        return path if is_job_store_uri(path) else super().realpath(path)


def fs_access_factory(store: Any) -> Callable[[str], StdFsAccess]:
    def make(basedir: str) -> StdFsAccess:
        return ToilFsAccess(basedir, store)

    return make


# -- checksums and sizes -----------------------------------------------------------------
def sha1_of(path: str) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return "sha1$" + digest.hexdigest()


def unique_child(directory: str, name: str, taken: set[str], next_number: dict[str, int] | None = None) -> str:
    """A path for ``name`` in ``directory`` not used yet by this export (cwltool's ``name_2`` style).

    Like cwltool, files left by earlier runs are replaced. ``next_number`` remembers, per name,
    where the search for a free suffix goes on (``taken`` only grows), so that a scatter's
    thousands of outputs with one name take linear time.
    """
    base = os.path.join(directory, name)
    numbers = {} if next_number is None else next_number
    target, number = base, numbers.get(base, 2)
    if target in taken:
        target = f"{base}_{number}"
        while target in taken:
            number += 1
            target = f"{base}_{number}"
        numbers[base] = number + 1
    taken.add(target)
    return target


def copy_tree(src: str, dst: str) -> None:
    if os.path.isdir(src):
        shutil.copytree(src, dst, symlinks=False, dirs_exist_ok=True)
    else:
        shutil.copy2(src, dst)
