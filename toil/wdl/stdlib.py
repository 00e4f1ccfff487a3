"""miniwdl's standard library with its file functions routed through the job's file store.

miniwdl funnels every file access of the stdlib through two hooks:
``_devirtualize_filename`` (a File value -> a local path to read) and
``_virtualize_filename`` (a file written by write_* -> the File value). The workflow
library (in the leader) maps ``toilfile:`` URIs to downloaded copies and uploads what it
writes; the task libraries (in a worker) work on the task's localized paths.

Two more hooks give a File/Directory value's path before ``==``, ``!=``, a Map lookup,
``contains()`` or ``contains_key()`` compares it (``_resolve_source_relative_path``), and
the directory ``join_paths()`` resolves a relative result against
(``_join_paths_default_directory``). As in miniwdl's runtime: ``toilfile:`` addresses, URLs
and absolute paths stay as they are; a relative path is resolved against the document's
directory in WDL 1.2+ (in a workflow, and in a task's inputs and command), against the
current directory in an older workflow, and is left alone in an older task or a task's
outputs; ``join_paths()`` resolves against the document's directory in a workflow and the
task's working directory in a task.
"""

from __future__ import annotations

import glob
import os
from typing import Any

import WDL

from toil.wdl.files import Downloader, is_job_store_file, is_url, upload

BEFORE_1_2 = ("draft-2", "draft-3", "1.0", "1.1")


def source_dir_of(doc_path: str) -> str:
    """The directory of a local WDL document, or "" for one read from a URL."""
    return os.path.dirname(doc_path) if os.path.isabs(doc_path) else ""


def kept_as_is(filename: str) -> bool:
    """A stored file's address, a URL or an absolute path: nothing to resolve."""
    return is_job_store_file(filename) or is_url(filename) or os.path.isabs(filename)


def source_relative(filename: str, source_dir: str) -> str:
    """A WDL 1.2 source-relative path (a Directory's ends with "/") resolved as miniwdl does."""
    if not source_dir:
        raise WDL.Error.InputError(f"relative File/Directory path {filename} requires a local WDL source file")
    is_dir = filename.endswith("/")
    path = os.path.normpath(os.path.join(source_dir, filename.rstrip("/")))
    root = os.path.realpath(source_dir)
    if os.path.commonpath([os.path.realpath(path), root]) != root:
        raise WDL.Error.InputError(f"File/Directory path must reside within WDL source directory {source_dir}: "
                                   f"{filename}")
    if not (os.path.isdir(path) if is_dir else os.path.isfile(path)):
        raise WDL.Error.InputError(f"File/Directory path not found: {filename}")
    return path


class WorkflowStdLib(WDL.StdLib.Base):
    """For declarations, call inputs, scatter and if expressions and workflow outputs."""

    def __init__(self, wdl_version: str, file_store: Any, source_dir: str = "") -> None:
        scratch = file_store.getLocalTempDir()
        super().__init__(wdl_version, write_dir=os.path.join(scratch, "write"))
        self.file_store = file_store
        self.downloader = Downloader(file_store, os.path.join(scratch, "read"))
        self.source_dir = source_dir  # the workflow document's directory ("" if not local)

    def _devirtualize_filename(self, filename: str) -> str:
        if is_job_store_file(filename):
            return self.downloader.fetch(filename)
        if is_url(filename):
            return self.downloader.fetch_url(filename)
        if not os.path.exists(filename):
            raise WDL.Error.InputError(f"File not found: {filename}")
        return os.path.abspath(filename)

    def _virtualize_filename(self, filename: str) -> str:
        return upload(self.file_store, filename)

    def _resolve_source_relative_path(self, filename: str) -> str:
        if kept_as_is(filename):
            return filename
        if self.wdl_version not in BEFORE_1_2:
            return source_relative(filename, self.source_dir)
        return os.path.abspath(filename)  # where _devirtualize_filename reads it, as miniwdl before 1.2

    def _join_paths_default_directory(self) -> str:
        if not self.source_dir:
            raise WDL.Error.InputError("join_paths() of a relative path needs a local WDL source file")
        return self.source_dir


class TaskStdLib(WDL.StdLib.Base):
    """For a task's inputs, declarations, runtime and command, on its localized files."""

    def __init__(self, wdl_version: str, downloader: Downloader, work_dir: str, write_dir: str,
                 source_dir: str = "") -> None:
        super().__init__(wdl_version, write_dir=write_dir)
        self.downloader = downloader
        self.work_dir = work_dir
        self.source_dir = source_dir  # the task document's directory ("" if not local)

    def _devirtualize_filename(self, filename: str) -> str:
        if is_job_store_file(filename):
            return self.downloader.fetch(filename)
        if is_url(filename):
            return self.downloader.fetch_url(filename)
        path = filename if os.path.isabs(filename) else os.path.join(self.work_dir, filename)
        if not os.path.exists(path):
            raise WDL.Error.InputError(f"File not found: {filename}")
        return path

    def _virtualize_filename(self, filename: str) -> str:
        return filename

    def _resolve_source_relative_path(self, filename: str) -> str:
        if kept_as_is(filename) or self.wdl_version in BEFORE_1_2:
            return filename
        return source_relative(filename, self.source_dir)

    def _join_paths_default_directory(self) -> str:
        return self.work_dir


class TaskOutputStdLib(TaskStdLib):
    """Adds stdout(), stderr() and glob() for the output section."""

    def __init__(
        self, wdl_version: str, downloader: Downloader, work_dir: str, write_dir: str, task_dir: str
    ) -> None:
        super().__init__(wdl_version, downloader, work_dir, write_dir)
        stdout = os.path.join(task_dir, "stdout.txt")
        stderr = os.path.join(task_dir, "stderr.txt")
        File, Array, String = WDL.Type.File, WDL.Type.Array, WDL.Type.String
        static = WDL.StdLib.StaticFunction
        self.stdout = static("stdout", [], File(), lambda: WDL.Value.File(stdout))
        self.stderr = static("stderr", [], File(), lambda: WDL.Value.File(stderr))
        self.glob = static("glob", [String()], Array(File()), self._glob)

    def _resolve_source_relative_path(self, filename: str) -> str:
        return filename  # an output's relative path is the working directory's, left as written

    def _glob(self, pattern: WDL.Value.String) -> WDL.Value.Array:
        text = pattern.value
        if not text or text.startswith("/") or text.startswith("..") or "/.." in text:
            raise WDL.Error.InputError(f"glob() pattern must be relative to the task directory: {text!r}")
        found = sorted(path for path in glob.glob(os.path.join(self.work_dir, text)) if os.path.isfile(path))
        return WDL.Value.Array(WDL.Type.File(), [WDL.Value.File(path) for path in found])
