"""A WDL task call as a batch job: localize inputs, render the command, run it, collect outputs."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from typing import Any

import WDL

from toil.core.job import Job
from toil.wdl import runtime, values
from toil.wdl.callcache import TaskCache
from toil.wdl.container import run_in_container, task_image
from toil.wdl.dirs import fetch_directory, store_directory
from toil.wdl.evaluate import WdlRuntimeError, decls_in_order, eval_decl, eval_decls, eval_expr
from toil.wdl.files import Downloader, is_job_store_file, is_url, upload
from toil.wdl.load import document_for, find_document, find_task
from toil.wdl.stdlib import TaskOutputStdLib, TaskStdLib, source_dir_of
from toil.wdl.values import EnvData

logger = logging.getLogger(__name__)
STDERR_TAIL_LINES = 5


class TaskFailed(WdlRuntimeError):
    """The task's command exited with a status its returnCodes do not accept."""


class TaskJob(Job):
    """Run one task call on a worker; return the call's outputs as ``call.name`` bindings."""

    def __init__(self, bundle: str, doc_path: str, task_name: str, call_name: str, inputs: EnvData,
                 prefix: bool = True, **requirements: Any) -> None:
        super().__init__(unitName=call_name, displayName=call_name, **requirements)
        self.bundle = bundle
        self.doc_path = doc_path
        self.task_name = task_name
        self.call_name = call_name
        self.inputs = inputs
        self.options: dict[str, Any] = {}  # set while running: the runner's options (WorkflowSettings.frontend)
        self.prefix = prefix
        self.work_dir = ""  # set while running: the root output files and directories are grouped by
        self._input_paths: list[str] = []  # set while running: files and directories the command may read

    def run(self, fileStore: Any) -> EnvData:
        self.options = fileStore.frontend_settings
        task = find_task(document_for(fileStore, self.bundle), self.doc_path, self.task_name)
        version = task.effective_wdl_version
        task_dir = fileStore.getLocalTempDir()
        # A warm runner's next task finds these again (emptied): no inodes to make and free per task.
        fileStore.keep_between_jobs("work", "tmp", "command", "stdout.txt", "stderr.txt")
        work_dir = os.path.join(task_dir, "work")
        os.makedirs(work_dir, exist_ok=True)
        downloader = Downloader(fileStore, os.path.join(task_dir, "inputs"))
        inputs = {name: localize_encoded(downloader, value) for name, value in self.inputs.items()}
        write_dir = os.path.join(task_dir, "write")
        stdlib = TaskStdLib(version, downloader, work_dir, write_dir, source_dir_of(self.doc_path))
        env = eval_decls(list(task.inputs or []) + list(task.postinputs), WDL.Env.Bindings(), inputs, stdlib,
                         after=lambda decl, value: localize_value(downloader, value))
        settings = {key: runtime.plain(eval_expr(expr, env, stdlib)) for key, expr in task.runtime.items()}
        command = eval_expr(task.command, env, stdlib).value
        self._input_paths = [p for encoded in values.encode_env(env).values() for p in values.files_in(encoded)]
        cache = self._call_cache(task, env, settings)
        local = cache.lookup(task, work_dir) if cache else None
        if local is None:
            self._execute(task_dir, dedent(command), settings)
            out_lib = TaskOutputStdLib(version, downloader, work_dir, write_dir, task_dir)
            local = self._outputs(task, env, out_lib, work_dir)
            if cache:
                cache.store(local, work_dir)
        if cache:
            cache.close()
        self.work_dir = work_dir
        outputs = {name: values.map_files(data, lambda p: self._store(p, downloader),
                                          lambda p: self._store_dir(p, downloader)) for name, data in local.items()}
        return values.add_prefix(outputs, self.call_name) if self.prefix else outputs

    def _call_cache(self, task: WDL.Tree.Task, env: WDL.Env.Bindings, settings: dict[str, Any]) -> TaskCache | None:
        """miniwdl's call cache for this call, with its key, when the configuration turns it on."""
        config = self.options.get("call_cache") or {}
        if not (config.get("get") or config.get("put")):
            return None
        if getattr(task, "parent", None) is None:  # miniwdl's digest reads the version and structs of the document
            task.parent = find_document(document_for(self.fileStore, self.bundle), self.doc_path)
        cache = TaskCache(config, f"{task.name}:{self.call_name}", self.log)
        inputs = {decl.name: values.encode(env[decl.name]) for decl in task.inputs or [] if decl.name in env}
        cache.compute_key(task, inputs, settings, task_image(self.options, settings))
        return cache

    # -- running the command ----------------------------------------------------------------
    def _execute(self, task_dir: str, command: str, settings: dict[str, Any]) -> None:
        script = os.path.join(task_dir, "command")
        with open(script, "w") as handle:
            handle.write(command)
        accepted = runtime.return_codes(settings)
        image = task_image(self.options, settings)
        tries = runtime.max_retries(settings) + 1
        for attempt in range(1, tries + 1):
            status = self._run_once(task_dir, script, settings, image)
            if accepted is None or status in accepted:
                return
            tail = stderr_tail(os.path.join(task_dir, "stderr.txt"))
            message = f"task {self.call_name} ({self.task_name}) failed: command exited with status {status}"
            if tail:
                message += f"; stderr tail: {tail}"
            if attempt < tries:
                self.log(f"{message}; retrying (maxRetries)", logging.WARNING)
                work_dir = os.path.join(task_dir, "work")
                shutil.rmtree(work_dir, ignore_errors=True)  # each attempt starts from an empty directory
                os.makedirs(work_dir)
                continue
            raise TaskFailed(message)

    def _run_once(self, task_dir: str, script: str, settings: dict[str, Any], image: str | None) -> int:
        work_dir = os.path.join(task_dir, "work")
        if image is not None:
            return run_in_container(self.options, image, settings, task_dir, script, self._input_paths,
                                    self.fileStore.jobStore)
        environment = dict(os.environ)
        environment["HOME"] = work_dir
        environment["TMPDIR"] = os.path.join(task_dir, "tmp")
        os.makedirs(environment["TMPDIR"], exist_ok=True)
        with open(os.path.join(task_dir, "stdout.txt"), "wb") as out, \
                open(os.path.join(task_dir, "stderr.txt"), "wb") as err:
            completed = subprocess.run(["bash", script], cwd=work_dir, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                       env=environment, start_new_session=True)
        return completed.returncode

    # -- outputs ----------------------------------------------------------------------------
    def _outputs(self, task: WDL.Tree.Task, env: WDL.Env.Bindings, stdlib: TaskOutputStdLib, work_dir: str) -> EnvData:
        """The outputs, with the local paths of their files."""
        result: EnvData = {}
        for decl in decls_in_order(task.outputs):  # an output may use one declared after it, as in miniwdl
            value = eval_decl(decl, env, {}, stdlib)
            keep = functools.partial(existing_output, work_dir=work_dir, optional=decl.type.optional)
            encoded = values.map_files(values.encode(value), keep)
            value = values.decode(encoded).coerce(decl.type)
            env = env.bind(decl.name, value)
            result[decl.name] = values.encode(value)
        return {decl.name: result[decl.name] for decl in task.outputs}

    def _store(self, path: str, downloader: Downloader) -> str:
        if path in downloader.uris:
            return downloader.uris[path]  # an input passed through: keep its stored copy
        return upload(self.fileStore, path, self.work_dir, scratch=True)

    def _store_dir(self, path: str, downloader: Downloader) -> str:
        path = path.rstrip("/")
        if path in downloader.uris:
            return downloader.uris[path]
        return store_directory(path, self.fileStore.writeGlobalFile, self.work_dir)


def localize_encoded(downloader: Downloader, data: values.Encoded) -> values.Encoded:
    return values.map_files(data, lambda p: localize(downloader, p), lambda p: localize_dir(downloader, p))


def localize_dir(downloader: Downloader, path: str) -> str:
    return fetch_directory(downloader, path) if is_job_store_file(path) else path


def localize(downloader: Downloader, path: str) -> str:
    if is_job_store_file(path):
        return downloader.fetch(path)
    if is_url(path):
        return downloader.fetch_url(path)
    return path


def localize_value(downloader: Downloader, value: WDL.Value.Base) -> WDL.Value.Base:
    """Fetch files a declaration produced (a default naming a stored file, a URL)."""
    encoded = values.encode(value)
    if not values.files_in(encoded):
        return value
    return values.decode(localize_encoded(downloader, encoded)).coerce(value.type)


def existing_output(path: str, work_dir: str, optional: bool) -> str | None:
    """The absolute path of an output file; None for a missing optional one."""
    absolute = path if os.path.isabs(path) else os.path.join(work_dir, path)
    if os.path.exists(absolute):
        return absolute
    if optional:
        return None
    raise WdlRuntimeError(f"output file not found: {path}")


def dedent(command: str) -> str:
    """The command less the leading whitespace all its non-blank lines share (counted in characters, as miniwdl)."""
    lines = command.split("\n")
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    if not indent:
        return command
    return "\n".join(line[indent:] if line.strip() else line for line in lines)


def stderr_tail(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            lines = handle.read().decode(errors="replace").splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in lines[-STDERR_TAIL_LINES:] if line.strip())
