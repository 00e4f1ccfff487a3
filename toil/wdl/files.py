"""WDL File values in the job store: ``toilfile:`` URIs, upload and download (export: toil.wdl.export).

A File that lives in the job store is the core's ``toilfile:<file id>`` URI
(``toil.core.files.stored_uri``). The store only keeps a safe hint of the basename in the
id, and WDL cares about exact basenames (``basename()``, the names a command sees), so
when the hint differs from the real name the URI carries one more path segment with the
real name: ``toilfile:<file id>/<basename>``. ``basename()`` on either form gives the
real name.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.parse
from typing import Any

from toil.core.files import PREFIX, file_id_of, is_stored, stored_uri

URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def file_uri(file_id: str, basename: str, group: str | None = None) -> str:
    """The WDL value of a stored file whose real name is basename.

    ``group`` names the directory the file came from: files of one group are put side by
    side again when a task localizes them (an index next to its data file, say).
    """
    uri = stored_uri(file_id)
    if group is None and uri.rsplit("/", 1)[-1] == basename:
        return uri
    if "/" not in file_id:
        uri += "/_"  # keep the layout <hex>/<hint>/<group>/<basename>
    return f"{uri}/{group or '_'}/{basename}"


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def group_of(path: str, root: str | None = None) -> str:
    """The group of a local file or directory: where it sat, as ``<root hash>~<quoted relative dir>``.

    Paths under one root (a task's working directory) keep their layout relative to each
    other when localized again, so a file inside an output Directory lands inside that
    directory; anything else is grouped by its own parent directory.
    """
    directory = os.path.dirname(os.path.abspath(path.rstrip("/")))
    if root is not None:
        relative = os.path.relpath(directory, root)
        if relative != ".." and not relative.startswith("../"):
            return f"{_hash(os.path.abspath(root))}~{urllib.parse.quote(relative, safe='')}"
    return f"{_hash(directory)}~."


def group_folder(group: str) -> str:
    """The folder (relative to a download directory) that a group's members go in."""
    root, _, relative = group.partition("~")
    parts = [p for p in os.path.normpath(urllib.parse.unquote(relative or ".")).split("/") if p not in ("", ".", "..")]
    return os.path.join(f"g{root}", *parts)


def parse_uri(uri: str) -> tuple[str, str]:
    """Split a WDL ``toilfile:`` value into (file id, real basename)."""
    file_id, name, _ = parse_uri_group(uri)
    return file_id, name


def parse_uri_group(uri: str) -> tuple[str, str, str | None]:
    """Split a WDL ``toilfile:`` value into (file id, real basename, group or None)."""
    parts = uri[len(PREFIX):].split("/")
    if len(parts) >= 4:
        hint = parts[1]
        file_id = file_id_of(PREFIX + parts[0] + ("" if hint == "_" else "/" + hint))
        group = parts[2] if parts[2] != "_" else None
        return file_id, "/".join(parts[3:]), group
    file_id = file_id_of(uri)
    return file_id, os.path.basename(file_id) or "file", None


def is_url(path: str) -> bool:
    return bool(URL_RE.match(path))


def is_job_store_file(path: str) -> bool:
    return is_stored(path)


def upload(file_store: Any, path: str, root: str | None = None, scratch: bool = False) -> str:
    """Copy a local file into the job store through a job's file store; return its URI.

    ``scratch``: a finished task's output, which nothing changes again (the store may link it).
    """
    file_id = file_store.write_scratch_file(path) if scratch else file_store.writeGlobalFile(path)
    return file_uri(str(file_id), os.path.basename(path), group_of(path, root))


class Downloader:
    """Fetch stored files into a directory, each once, keeping their real basenames."""

    def __init__(self, file_store: Any, directory: str) -> None:
        self.file_store = file_store
        self.directory = directory
        self.local: dict[str, str] = {}  # URI -> local path
        self.uris: dict[str, str] = {}  # local path -> URI

    def fetch(self, uri: str) -> str:
        if uri not in self.local:
            file_id, name, group = parse_uri_group(uri)
            folder = os.path.join(self.directory, group_folder(group) if group else str(len(self.local)))
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, name)
            self.file_store.readGlobalFile(file_id, userPath=path)
            self.local[uri] = path
            self.uris[path] = uri
        return self.local[uri]

    def fetch_url(self, url: str) -> str:
        """Import a URL (http, s3, ...) into the job store, then fetch it."""
        if url not in self.local:
            file_id = self.file_store.importFile(url)
            uri = file_uri(str(file_id), os.path.basename(urllib.parse.urlparse(url).path) or "file")
            self.local[url] = self.fetch(uri)
        return self.local[url]
