"""miniwdl's standard library with its file functions routed through the job's file store.

miniwdl funnels every file access of the stdlib through two hooks:
``_devirtualize_filename`` (a File value -> a local path to read) and
``_virtualize_filename`` (a file written by write_* -> the File value). The workflow
library (in the leader) maps ``toilfile:`` URIs to downloaded copies and uploads what it
writes; the task libraries (in a worker) work on the task's localized paths.
"""

from __future__ import annotations

import glob
import os
from typing import Any

import WDL

from toil.wdl.files import Downloader, is_job_store_file, is_url, upload


class WorkflowStdLib(WDL.StdLib.Base):
    """For declarations, call inputs, scatter and if expressions and workflow outputs."""

    def __init__(self, wdl_version: str, file_store: Any) -> None:
        scratch = file_store.getLocalTempDir()
        super().__init__(wdl_version, write_dir=os.path.join(scratch, "write"))
        self.file_store = file_store
        self.downloader = Downloader(file_store, os.path.join(scratch, "read"))

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


class TaskStdLib(WDL.StdLib.Base):
    """For a task's inputs, declarations, runtime and command, on its localized files."""

    def __init__(self, wdl_version: str, downloader: Downloader, work_dir: str, write_dir: str) -> None:
        super().__init__(wdl_version, write_dir=write_dir)
        self.downloader = downloader
        self.work_dir = work_dir

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

    def _glob(self, pattern: WDL.Value.String) -> WDL.Value.Array:
        text = pattern.value
        if not text or text.startswith("/") or text.startswith("..") or "/.." in text:
            raise WDL.Error.InputError(f"glob() pattern must be relative to the task directory: {text!r}")
        found = sorted(path for path in glob.glob(os.path.join(self.work_dir, text)) if os.path.isfile(path))
        return WDL.Value.Array(WDL.Type.File(), [WDL.Value.File(path) for path in found])
