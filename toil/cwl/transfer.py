"""Moving CWL files: import at the start, stage into and upload from workers, export at the end."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from schema_salad.ref_resolver import file_uri

from toil.core.dirs import Tree, entry, localize, read_tree, tree_of, write_tree
from toil.core.files import file_id_of, is_stored, stored_uri
from toil.cwl.files import (
    CWLFileError,
    dir_uri,
    is_dir_uri,
    local_path_of,
    parse_dir_uri,
    sha1_of,
    unique_child,
    visit_files,
)
from toil.stores.urls import url_basename, url_scheme

# Put a local file into the job store and return its file id.
Uploader = Callable[[str], str]


class Importer:
    """Turn local File and Directory locations into job-store URIs (each path uploaded once)."""

    def __init__(self, upload: Uploader, import_urls: bool = False) -> None:
        self.upload = upload
        self.import_urls = import_urls  # upload can take remote URLs (s3://, http(s)://) too: the leader's can
        self.known: dict[str, str] = {}  # local path (or imported URL) -> job-store URI

    def file(self, path: str) -> str:
        real = os.path.realpath(path)
        if real in self.known:  # a symbolic link to a file staged in or uploaded before
            return self.known[real]
        if path not in self.known:
            if not os.path.isfile(path):
                raise CWLFileError(f"Input file {path} does not exist" if not os.path.exists(path)
                                   else f"Input file {path} is not a regular file")
            self.known[path] = stored_uri(self.upload(path))
        return self.known[path]

    def tree_of(self, path: str, subdirs: list[str] | None = None) -> Tree:
        """Upload a directory's files; return its tree (and list its subdirectories)."""
        if not os.path.isdir(path):
            raise CWLFileError(f"Input directory {path} does not exist")
        return tree_of(path, self.file, subdirs)

    def directory(self, path: str) -> str:
        real = os.path.realpath(path)
        if real in self.known:
            return self.known[real]
        if path not in self.known:
            subdirs: list[str] = []
            tree_id = write_tree(self.tree_of(path, subdirs), self.upload)
            self.known[path] = dir_uri(tree_id)
            for sub in subdirs:
                self.known.setdefault(sub, dir_uri(tree_id, os.path.relpath(sub, path)))
        return self.known[path]

    def url(self, url: str) -> str:
        """Import a remote File (s3://, http(s)://) into the job store, once."""
        if url not in self.known:
            self.known[url] = stored_uri(self.upload(url))
        return self.known[url]

    def visit(self, obj: dict[str, Any]) -> None:
        location = obj.get("location") or obj.get("path") or ""
        if self.import_urls and obj["class"] == "File" and url_scheme(location) != "file":
            obj.setdefault("basename", url_basename(location))
            obj["location"] = self.url(location)
            return
        path = local_path_of(location)
        if path is None:
            return  # literals (_:), job-store URIs and URLs not imported here stay as they are
        obj["location"] = self.file(path) if obj["class"] == "File" else self.directory(path)
        obj.setdefault("basename", os.path.basename(path.rstrip("/")))
        obj.pop("path", None)
        obj.pop("dirname", None)

    def convert(self, obj: Any) -> Any:
        visit_files(obj, self.visit)
        return obj


# -- workers: stage in --------------------------------------------------------------------------
class Stager:
    """Put job-store files of a job order under a local directory, keeping basenames."""

    def __init__(self, root: str, read: Callable[[str, str, bool], None], mutable: bool = False) -> None:
        self.root = root
        self.read = read  # (file id, local path, mutable)
        self.mutable = mutable
        self.local: dict[str, str] = {}  # job-store URI -> local path
        self.origin: dict[str, str] = {}  # local path -> job-store URI
        self.trees: dict[str, str] = {}  # local path of a whole staged tree -> its tree file id
        self._count = 0
        self._stamps: dict[str, tuple[int, int] | None] = {}

    def _slot(self, name: str) -> str:
        self._count += 1
        directory = os.path.join(self.root, f"s{self._count}")
        os.makedirs(directory, exist_ok=True)
        return os.path.join(directory, name)

    def load_tree(self, tree_id: str) -> Tree:
        return read_tree(lambda file_id, path: self.read(file_id, path, True), tree_id)

    def _file(self, uri: str, name: str) -> str:
        if uri not in self.local:
            path = self._slot(name)
            self.read(file_id_of(uri), path, self.mutable)
            self.local[uri] = path
            self.origin[path] = uri
        return self.local[uri]

    def _tree(self, tree: Tree, path: str, uri: str) -> None:
        self.local[uri] = path
        self.origin[path] = uri
        placed = localize(tree, path, lambda file_id, local: self.read(file_id, local, self.mutable))
        for relative, node, child in placed:
            child_uri = uri.rstrip("/") + "/" + relative
            self.local[child_uri] = child
            if isinstance(node, dict):
                self.origin[child] = child_uri
            else:
                self.local.setdefault(node, child)
                self.origin[child] = node

    def _dir_entry(self, location: str, name: str) -> str:
        tree_id, subpath = parse_dir_uri(location)
        node = entry(self.load_tree(tree_id), subpath)
        if node is None:
            raise CWLFileError(f"{name}: missing from its directory in the job store")
        if isinstance(node, dict):
            path = self._slot(name)
            self._tree(node, path, location)
            if not subpath:
                self.trees[path] = tree_id
            return path
        path = self._file(node, name)
        self.local[location] = path
        return path

    def visit(self, obj: dict[str, Any]) -> None:
        location = str(obj.get("location", ""))
        name = str(obj.get("basename") or "") or os.path.basename(location.rstrip("/")) or "file"
        if location in self.local:
            path = self.local[location]
        elif is_stored(location):
            path = self._file(location, name)
        elif is_dir_uri(location):
            path = self._dir_entry(location, name)
        else:
            return
        obj["location"] = file_uri(path)
        obj.pop("path", None)

    def stage(self, obj: Any) -> Any:
        visit_files(obj, self.visit)
        self._stamps = {path: _stamp(path) for path, uri in self.origin.items() if is_stored(uri)}
        return obj

    def modified(self) -> list[tuple[str, str]]:
        """Staged files a tool changed in place: (local path, job-store file id)."""
        return [(path, file_id_of(self.origin[path])) for path, stamp in self._stamps.items() if _stamp(path) != stamp]

    def write_back(self, upload: Uploader, overwrite: Callable[[str, str], object]) -> None:
        """Make a tool's in-place changes to staged files and directories visible in the job store."""
        for path, file_id in self.modified():
            overwrite(path, file_id)
        importer = Importer(upload)
        importer.known.update({p: u for p, u in self.origin.items() if is_stored(u)})
        for path, tree_id in self.trees.items():
            if os.path.isdir(path):
                write_tree(importer.tree_of(path), functools.partial(_overwrite, overwrite, tree_id))


def _overwrite(overwrite: Callable[[str, str], object], file_id: str, path: str) -> object:
    return overwrite(path, file_id)


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


# -- workers: upload outputs -----------------------------------------------------------------------
class OutputUploader:
    """Replace local locations in a tool's outputs by job-store URIs."""

    def __init__(self, upload: Uploader, unchanged: dict[str, str] | None = None) -> None:
        self.importer = Importer(upload)
        if unchanged:
            self.importer.known.update(unchanged)

    def upload(self, obj: Any) -> Any:
        return self.importer.convert(obj)


# -- the leader: export final outputs ---------------------------------------------------------
class Exporter:
    """Write the final outputs under --outdir and give them cwltool's local form."""

    def __init__(self, outdir: str, export: Callable[[str, str], None]) -> None:
        self.outdir = os.path.abspath(outdir)
        self.export = export  # (file id, local path)
        self.taken: set[str] = set()
        self.next_number: dict[str, int] = {}  # where unique_child goes on looking, per name
        self.done: dict[str, str] = {}  # source and name -> exported path
        self.trees: dict[str, Tree] = {}

    def _entry(self, location: str) -> str | Tree | None:
        tree_id, subpath = parse_dir_uri(location)
        if tree_id not in self.trees:
            self.trees[tree_id] = read_tree(self.export, tree_id)
        return entry(self.trees[tree_id], subpath)

    def _source_key(self, location: str, obj: dict[str, Any]) -> str:
        """The same stored file, however it is named (a directory entry or the file itself)."""
        if obj["class"] == "File" and is_dir_uri(location):
            node = self._entry(location)
            if isinstance(node, str):
                return node
        return location

    def _export_file(self, location: str, obj: dict[str, Any], target: str) -> None:
        if is_dir_uri(location):
            node = self._entry(location)
            if not isinstance(node, str):
                raise CWLFileError(f"Output {obj.get('basename')} is missing from the job store")
            location = node
        if is_stored(location):
            self.export(file_id_of(location), target)
        elif location.startswith("_:") or "contents" in obj and not local_path_of(location):
            with open(target, "w") as f:
                f.write(str(obj.get("contents") or ""))
        else:
            source = local_path_of(location)
            if source is None or not os.path.exists(source):
                raise CWLFileError(f"Output {location} does not exist")
            copy_file(source, target)

    def _export_dir(self, location: str, obj: dict[str, Any], target: str) -> None:
        os.makedirs(target, exist_ok=True)
        node = self._entry(location) if is_dir_uri(location) else None
        if isinstance(node, dict):
            localize(node, target, self.export)
        elif local_path_of(location) and os.path.isdir(local_path_of(location) or ""):
            from toil.cwl.files import copy_tree

            copy_tree(local_path_of(location) or "", target)

    def place(self, obj: dict[str, Any], directory: str) -> None:
        location = str(obj.get("location", ""))
        name = str(obj.get("basename") or os.path.basename(location.rstrip("/")) or "output")
        key = self._source_key(location, obj) + "\n" + name
        if key in self.done and not location.startswith("_:"):
            target = self.done[key]
        else:
            target = unique_child(directory, name, self.taken, self.next_number)
            if obj["class"] == "File":
                self._export_file(location, obj, target)
            else:
                self._export_dir(location, obj, target)
            if not location.startswith("_:"):
                self.done[key] = target
        obj["location"] = file_uri(target)
        obj["path"] = target
        obj["basename"] = name
        if obj["class"] == "File":
            obj["checksum"] = sha1_of(target)
            obj["size"] = os.path.getsize(target)
            for secondary in obj.get("secondaryFiles") or []:
                self.place(secondary, directory)
        else:
            for child in obj.get("listing") or []:
                self.place_inside(child, target)

    def place_inside(self, obj: dict[str, Any], directory: str) -> None:
        """An entry of an exported directory's listing: already written when it came from the tree."""
        name = str(obj.get("basename") or "")
        target = os.path.join(directory, name)
        if name and os.path.lexists(target):
            self.taken.add(target)
            obj["location"] = file_uri(target)
            obj["path"] = target
            if obj["class"] == "File":
                obj["checksum"] = sha1_of(target)
                obj["size"] = os.path.getsize(target)
            for child in obj.get("listing") or []:
                self.place_inside(child, target)
            return
        self.place(obj, directory)

    def export_all(self, outputs: Any) -> Any:
        os.makedirs(self.outdir, exist_ok=True)
        _walk_top(outputs, lambda obj: self.place(obj, self.outdir))
        visit_files(outputs, final_form)
        return outputs


GENERATION = "http://commonwl.org/cwltool#generation"


def final_form(obj: dict[str, Any]) -> None:
    """cwltool's final output form: no derived name fields, contents or ids; ``path`` from ``location``.

    Directories get a deep listing and files a checksum and size, as cwltool's relocateOutputs gives.
    """
    for key in ("path", "nameext", "nameroot", "dirname", "contents", "@id", GENERATION):
        obj.pop(key, None)
    location = str(obj.get("location", ""))
    if not location.startswith("file://"):
        return
    from schema_salad.ref_resolver import uri_file_path

    path = obj["path"] = uri_file_path(location)
    if obj["class"] == "Directory" and "listing" not in obj and os.path.isdir(path):
        obj["listing"] = [_entry(os.path.join(path, name)) for name in sorted(os.listdir(path))]
    elif obj["class"] == "File" and os.path.isfile(path):
        obj.setdefault("checksum", sha1_of(path))
        obj.setdefault("size", os.path.getsize(path))


def _entry(path: str) -> dict[str, Any]:
    kind = "Directory" if os.path.isdir(path) else "File"
    return {"class": kind, "location": file_uri(path), "basename": os.path.basename(path)}


def _walk_top(obj: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    """Visit outermost File/Directory objects only (their contents are handled by ``visit``)."""
    if isinstance(obj, dict):
        if obj.get("class") in ("File", "Directory"):
            visit(obj)
            return
        for value in obj.values():
            _walk_top(value, visit)
    elif isinstance(obj, list):
        for item in obj:
            _walk_top(item, visit)


def copy_file(source: str, target: str) -> None:
    import shutil

    shutil.copyfile(source, target)
