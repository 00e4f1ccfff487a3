"""Export a WDL workflow's output files and directories from the job store (``-o DIR`` or ``-o URL``)."""

from __future__ import annotations

import contextlib
import filecmp
import os
import urllib.parse
from typing import Any

from toil.core.dirs import files_in, localize
from toil.core.files import file_id_of
from toil.wdl.dirs import read_directory
from toil.wdl.files import is_job_store_file, parse_uri


class Exporter:
    """Copy output files from the job store into an output directory, keeping basenames."""

    def __init__(self, toil: Any, directory: str) -> None:
        self.toil = toil
        self.directory = os.path.abspath(directory)
        self.done: dict[str, str] = {}

    def export(self, uri: str) -> str:
        if not is_job_store_file(uri):
            return uri
        if uri not in self.done:
            file_id, name = parse_uri(uri)
            path = os.path.join(self.directory, name)
            index = 0
            while os.path.lexists(path) and not self._exported_before(file_id, path):
                index += 1
                path = os.path.join(self.directory, str(index), name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self.toil.exportFile(file_id, "file://" + urllib.parse.quote(path))
            self.done[uri] = path
        return self.done[uri]

    def _exported_before(self, file_id: str, path: str) -> bool:
        """Tell whether path holds this very file, left by an export cut short (a killed leader).

        A --restart then exports to the same place as an undisturbed run would; a file of
        other content, or one this export placed already, is never overwritten.
        """
        if path in self.done.values() or not os.path.isfile(path) or os.path.islink(path):
            return False
        probe = f"{path}.toil-export-{os.getpid()}"
        try:
            self.toil.exportFile(file_id, "file://" + urllib.parse.quote(probe))
            return filecmp.cmp(probe, path, shallow=False)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(probe)

    def export_dir(self, uri: str) -> str:
        if not is_job_store_file(uri):
            return uri
        if uri not in self.done:
            name, tree = read_directory(uri, self.toil.exportFile)
            path = os.path.join(self.directory, name)
            index = 0
            while os.path.lexists(path):
                index += 1
                path = os.path.join(self.directory, str(index), name)
            localize(tree, path, self.toil.exportFile)
            self.done[uri] = path
        return self.done[uri]


class URLExporter(Exporter):
    """Copy output files under a URL prefix (``-o s3://bucket/prefix``, as Toil's ``-o`` takes one).

    A file goes to ``<prefix>/<basename>`` (``<prefix>/<n>/<basename>`` when the name is
    taken already) and a directory's files under ``<prefix>/<name>/``; the output values
    are those URLs.
    """

    def __init__(self, toil: Any, prefix: str) -> None:
        self.toil = toil
        self.directory = prefix.rstrip("/")
        self.done = {}
        self.taken: set[str] = set()

    def _place(self, name: str) -> str:
        url, index = f"{self.directory}/{urllib.parse.quote(name)}", 0
        while url in self.taken:
            index += 1
            url = f"{self.directory}/{index}/{urllib.parse.quote(name)}"
        self.taken.add(url)
        return url

    def export(self, uri: str) -> str:
        if not is_job_store_file(uri):
            return uri
        if uri not in self.done:
            file_id, name = parse_uri(uri)
            url = self._place(name)
            self.toil.exportFile(file_id, url)
            self.done[uri] = url
        return self.done[uri]

    def export_dir(self, uri: str) -> str:
        if not is_job_store_file(uri):
            return uri
        if uri not in self.done:
            name, tree = read_directory(uri, self.toil.exportFile)
            url = self._place(name)
            for relative, member in files_in(tree):
                self.toil.exportFile(file_id_of(member), f"{url}/{urllib.parse.quote(relative)}")
            self.done[uri] = url
        return self.done[uri]
