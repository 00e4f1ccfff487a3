"""WDL Directory values in the job store, in the core's one directory format (``toil.core.dirs``).

A Directory is the ``toilfile:`` URI of the directory's stored tree, a file stored under
the directory's own name. Its group (like a file's) is the directory it sat in, so
sibling directories stay siblings when a task localizes them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from toil.core.dirs import Tree, localize, read_tree, tree_of, write_tree
from toil.core.files import stored_uri
from toil.wdl.files import file_uri, group_folder, group_of, parse_uri, parse_uri_group


def store_directory(path: str, write_file: Callable[[str], Any], root: str | None = None) -> str:
    """Store a local directory, its files and its tree each with write_file (local path -> file id)."""
    path = os.path.abspath(path.rstrip("/"))
    name = os.path.basename(path)
    tree = tree_of(path, lambda local: stored_uri(str(write_file(local))))
    file_id = write_tree(tree, write_file, name)
    return file_uri(str(file_id), name, group_of(path, root))


def read_directory(uri: str, read_file: Callable[[str, str], Any]) -> tuple[str, Tree]:
    """The directory's name and tree; read_file(file id, local path) fetches a stored file."""
    file_id, name = parse_uri(uri)
    return name, read_tree(read_file, file_id)


def fetch_directory(downloader: Any, uri: str) -> str:
    """Put a stored directory in a Downloader's directory (each once), keeping its group; return its path."""
    if uri not in downloader.local:
        _, name, group = parse_uri_group(uri)
        store = downloader.file_store
        _, tree = read_directory(uri, lambda file_id, local: store.readGlobalFile(file_id, userPath=local,
                                                                                  mutable=True))
        folder = os.path.join(downloader.directory, group_folder(group) if group else f"d{len(downloader.local)}")
        destination = os.path.join(folder, name)
        localize(tree, destination, lambda file_id, local: store.readGlobalFile(file_id, userPath=local))
        downloader.local[uri] = destination
        downloader.uris[destination] = uri
    return str(downloader.local[uri])


def import_directory(path: str, import_file: Callable[[str], Any]) -> str:
    """Store a local directory through an import function (path -> file id)."""
    return store_directory(path, import_file)
