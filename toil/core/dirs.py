"""Directories in the job store: the one format both front-ends store them in.

A stored directory is a job-store file holding its tree as JSON: each name maps to a
file's ``toilfile:`` URI (``toil.core.files``) or to the tree of a subdirectory, so an
empty subdirectory is ``{}``. Rewriting that one file (an in-place update of the
directory) is seen by every later reader. How a front-end names a stored directory in its
values (CWL's ``toildir:``, WDL's ``toilfile:`` with a basename) is its own business.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from toil.core.files import file_id_of, is_stored

Tree = dict[str, Any]  # name -> "toilfile:<file id>" | Tree
T = TypeVar("T")

TREE_FILE = "tree.json"


class TreeFormatError(ValueError):
    """A stored directory's tree is not the format this module writes."""


def tree_of(path: str, store_file: Callable[[str], str], subdirs: list[str] | None = None) -> Tree:
    """Store every file under a local directory with store_file (path -> ``toilfile:`` URI); return its tree.

    Symbolic links are followed; broken ones are left out. ``subdirs`` collects the local
    paths of the subdirectories.
    """
    tree: Tree = {}
    for name in sorted(os.listdir(path)):
        child = os.path.join(path, name)
        if os.path.isdir(child):
            tree[name] = tree_of(child, store_file, subdirs)
            if subdirs is not None:
                subdirs.append(child)
        elif os.path.exists(child):
            tree[name] = store_file(child)
    return tree


def entry(tree: Tree, subpath: str) -> str | Tree | None:
    """What a path inside the tree names: a file's URI, a subtree, or None when missing."""
    node: Any = tree
    for part in [p for p in subpath.split("/") if p not in ("", ".")]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node  # type: ignore[no-any-return]


def walk(tree: Tree, prefix: str = "") -> Iterator[tuple[str, str | Tree]]:
    """Every entry as (relative path, URI or subtree), a directory before its contents."""
    for name in sorted(tree):
        relative = f"{prefix}/{name}" if prefix else name
        yield relative, tree[name]
        if isinstance(tree[name], dict):
            yield from walk(tree[name], relative)


def files_in(tree: Tree) -> Iterator[tuple[str, str]]:
    """Every file as (relative path, ``toilfile:`` URI)."""
    for relative, node in walk(tree):
        if isinstance(node, str):
            yield relative, node


def decode(text: str | bytes) -> Tree:
    """A tree from its stored JSON."""
    tree = json.loads(text)
    if not isinstance(tree, dict):
        raise TreeFormatError("a stored directory is a JSON object of names")
    for relative, node in walk(tree):
        if not isinstance(node, dict) and not (isinstance(node, str) and is_stored(node)):
            raise TreeFormatError(f"{relative}: neither a stored file nor a directory")
    return tree


def write_tree(tree: Tree, write: Callable[[str], T], name: str = TREE_FILE) -> T:
    """Store a tree with write (local path -> what it gives back, e.g. a file id), from a file called name."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, name)
        with open(path, "w") as handle:
            json.dump(tree, handle, sort_keys=True)
        return write(path)


def read_tree(read: Callable[[str, str], object], tree_id: str) -> Tree:
    """Read a stored tree; read(file id, local path) fetches a stored file."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, TREE_FILE)
        read(tree_id, path)
        with open(path, "rb") as handle:
            return decode(handle.read())


def localize(tree: Tree, destination: str, fetch: Callable[[str, str], object]) -> list[tuple[str, str | Tree, str]]:
    """Recreate a tree at destination; fetch(file id, local path) puts one file there.

    Returns each entry placed as (relative path, URI or subtree, local path).
    """
    os.makedirs(destination, exist_ok=True)
    placed: list[tuple[str, str | Tree, str]] = []
    for relative, node in walk(tree):
        local = os.path.join(destination, relative)
        if isinstance(node, dict):
            os.makedirs(local, exist_ok=True)
        else:
            fetch(file_id_of(node), local)
        placed.append((relative, node, local))
    return placed
