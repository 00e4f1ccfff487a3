"""WDL Directory values in the job store: a stored manifest of the directory's files.

A Directory is the ``toilfile:`` URI of a small JSON manifest, stored under the
directory's own name: ``{"files": {relative path: file URI}, "dirs": [empty subdirs]}``.
Its group (like a file's) is the directory it sat in, so sibling directories stay
siblings when a task localizes them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from typing import Any

from toil.wdl.files import file_uri, group_folder, group_of, parse_uri, parse_uri_group


def manifest_of(path: str, store_file: Callable[[str], str]) -> dict[str, Any]:
    """Store every file under path with store_file (path -> URI); return the manifest."""
    files: dict[str, str] = {}
    empty: list[str] = []
    for root, dirnames, filenames in os.walk(path, followlinks=True):
        relative = os.path.relpath(root, path)
        if not dirnames and not filenames and relative != ".":
            empty.append(relative)
        for name in filenames:
            files[os.path.normpath(os.path.join(relative, name))] = store_file(os.path.join(root, name))
    return {"files": files, "dirs": empty}


def store_directory(path: str, store_file: Callable[[str], str], write_manifest: Callable[[str], Any],
                    root: str | None = None) -> str:
    """Store a local directory; write_manifest(local path) stores the manifest and returns its file id."""
    path = os.path.abspath(path.rstrip("/"))
    name = os.path.basename(path)
    manifest = manifest_of(path, store_file)
    with tempfile.TemporaryDirectory() as scratch:
        local = os.path.join(scratch, name)
        with open(local, "w") as handle:
            json.dump(manifest, handle)
        file_id = write_manifest(local)
    return file_uri(str(file_id), name, group_of(path, root))


def read_manifest(uri: str, read_file: Callable[[str, str], Any]) -> tuple[str, dict[str, Any]]:
    """The directory's name and manifest; read_file(file id, local path) fetches a stored file."""
    file_id, name = parse_uri(uri)
    with tempfile.TemporaryDirectory() as scratch:
        local = os.path.join(scratch, "manifest.json")
        read_file(file_id, local)
        with open(local) as handle:
            return name, json.load(handle)


def rebuild(destination: str, manifest: dict[str, Any], fetch: Callable[[str, str], Any]) -> str:
    """Recreate a directory at destination; fetch(file URI, local path) puts one file there."""
    os.makedirs(destination, exist_ok=True)
    for relative in manifest.get("dirs", []):
        os.makedirs(os.path.join(destination, relative), exist_ok=True)
    for relative, uri in manifest.get("files", {}).items():
        target = os.path.join(destination, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fetch(uri, target)
    return destination


def fetch_directory(downloader: Any, uri: str) -> str:
    """Put a stored directory in a Downloader's directory (each once), keeping its group; return its path."""
    if uri not in downloader.local:
        _, name, group = parse_uri_group(uri)
        store = downloader.file_store
        _, manifest = read_manifest(uri, lambda file_id, local: store.readGlobalFile(file_id, userPath=local,
                                                                                      mutable=True))
        folder = os.path.join(downloader.directory, group_folder(group) if group else f"d{len(downloader.local)}")
        destination = rebuild(os.path.join(folder, name), manifest,
                              lambda file_uri_, local: store.readGlobalFile(parse_uri(file_uri_)[0], userPath=local))
        downloader.local[uri] = destination
        downloader.uris[destination] = uri
    return str(downloader.local[uri])


def import_directory(path: str, import_file: Callable[[str], Any]) -> str:
    """Store a local directory through an import function (path -> file id)."""

    def store_file(local: str) -> str:
        return file_uri(str(import_file(local)), os.path.basename(local), group_of(local))

    return store_directory(path, store_file, import_file)
