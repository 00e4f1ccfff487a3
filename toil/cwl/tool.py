"""Run one CWL process (CommandLineTool or ExpressionTool) with cwltool's job machinery."""

from __future__ import annotations

import copy
import logging
import os
import shutil
import sys
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from cwltool.context import RuntimeContext
from cwltool.errors import UnsupportedRequirement, WorkflowException
from cwltool.process import Process

from toil.core.job import PermanentJobFailure
from toil.cwl.container import ENGINE
from toil.cwl.files import fs_access_factory
from toil.cwl.requirements import container_problem, without_required_container

logger = logging.getLogger(__name__)
STDERR_TAIL_LINES = 5
STDERR_FILE = "stderr.txt"  # the tool's stderr, in its job's scratch


class ToolFailure(Exception):
    """A tool failed; the message is one line (with the tail of its stderr)."""


class PermanentToolFailure(ToolFailure, PermanentJobFailure):
    """A tool failed with the verdict ``permanentFail``, which the CWL standard says not to retry.

    cwltool gives it for an exit code outside successCodes and temporaryFailCodes, a time limit
    reached, outputs that cannot be collected and errors in the tool's expressions: another
    attempt would fail the same way. A lost worker or a ``temporaryFail`` is still retried.
    """


class Unsupported(PermanentJobFailure):
    """The document needs something this runner cannot do here."""


@dataclass
class RunOptions:
    """The runner's options that workers need: kept in the workflow's settings (WorkflowSettings.frontend)."""

    no_container: bool = False
    podman: bool = False
    singularity: bool = False
    default_container: str | None = None
    preserve_environment: list[str] = field(default_factory=list)
    preserve_entire_environment: bool = False
    eval_timeout: float = 60.0
    strict_memory_limit: bool = False
    strict_cpu_limit: bool = False
    enable_dev: bool = False
    debug: bool = False
    tmpdir_prefix: str | None = None
    tmp_outdir_prefix: str | None = None
    max_cores: float | None = None
    max_memory: int | None = None
    #: --log-dir (absolute): where workers also copy the stdout/stderr files tools declare
    log_dir: str = ""
    #: --cachedir (absolute) and --cacheHash: the call cache tool runs are looked up in and stored to
    cache_dir: str = ""
    cache_hash: str = "deep"
    cache_max_size: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunOptions:
        """Options from the settings; names this version does not know are passed over."""
        known = {option.name for option in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})


def runtime_context(options: RunOptions, workdir: str, store: Any = None, basedir: str = "") -> RuntimeContext:
    """A RuntimeContext for one job, with scratch space under ``workdir``."""
    context = RuntimeContext()
    context.use_container = not options.no_container
    context.podman = options.podman
    context.singularity = options.singularity
    context.default_container = options.default_container
    if options.default_container:
        context.find_default_container = lambda _tool: options.default_container
    context.preserve_environment = list(options.preserve_environment)
    context.preserve_entire_environment = options.preserve_entire_environment
    context.eval_timeout = options.eval_timeout
    context.strict_memory_limit = options.strict_memory_limit
    context.strict_cpu_limit = options.strict_cpu_limit
    setattr(context, ENGINE, engine_name(options))
    context.debug = options.debug
    context.tmpdir_prefix = _prefix(options.tmpdir_prefix, workdir, "tmp")
    context.tmp_outdir_prefix = _prefix(options.tmp_outdir_prefix, workdir, "out")
    context.make_fs_access = fs_access_factory(store)  # type: ignore[assignment]
    context.basedir = basedir or workdir
    context.toplevel = False
    context.rm_tmpdir = True
    context.move_outputs = "leave"
    context.workflow_eval_lock = threading.Condition(threading.RLock())
    return context


TOOL_DIRS = ("out", "tmp", "stage")


def fixed_tool_dirs(context: RuntimeContext, workdir: str, options: RunOptions) -> tuple[str, ...]:
    """Give a tool fixed output, temporary and staging directories in its job's scratch.

    cwltool makes three fresh directories per tool run (and removes two); with fixed ones a
    warm runner's next tool finds them again, emptied (FileStore.keep_between_jobs), so a
    scatter of thousands of small tools does not make and free three inodes apiece. Return
    the names to keep; none when the user chose where they go (--tmpdir-prefix and co.).
    """
    if options.tmpdir_prefix or options.tmp_outdir_prefix:
        return ()
    paths = [os.path.join(workdir, name) for name in TOOL_DIRS]
    for path in paths:
        os.makedirs(path, exist_ok=True)
    context.outdir, context.tmpdir, context.stagedir = paths
    context.rm_tmpdir = False  # the job's scratch goes (or is emptied) when the job ends
    return (*TOOL_DIRS, STDERR_FILE)


def engine_name(options: RunOptions) -> str:
    """The container engine the flags choose: --docker (the default), --podman or --singularity."""
    return "singularity" if options.singularity else "podman" if options.podman else "docker"


def _prefix(user: str | None, workdir: str, name: str) -> str:
    if user:
        os.makedirs(os.path.dirname(os.path.abspath(user)) or ".", exist_ok=True)
        return user
    os.makedirs(workdir, exist_ok=True)
    return os.path.join(workdir, name)


def prepare_tool(tool: Process, options: RunOptions) -> Process:
    """The tool as it should run here: refuse or drop a required container as the options say."""
    problem = container_problem(tool, options.no_container, options.podman, options.singularity)
    if problem:
        raise Unsupported(problem)
    if options.no_container:
        return without_required_container(tool)
    return tool


def run_process(tool: Process, inputs: dict[str, Any], context: RuntimeContext, log_dir: str = "",
                log_name: str = "") -> dict[str, Any]:
    """Run a process through ``tool.job(...)`` and return its outputs, raising on failure.

    With ``log_dir``, the stdout/stderr files the tool declares are copied to ``log_dir/<log_name>/``
    once it has run (whether it succeeded or not), as cwltool's --log-dir keeps them.
    """
    results: list[tuple[Any, str]] = []

    def collect(outputs: Any, status: str) -> None:
        results.append((outputs, status))

    try:
        for job in tool.job(copy.deepcopy(inputs), collect, context):
            if job is None:
                raise WorkflowException(f"{tool.tool.get('id')}: the job is waiting on inputs that never came")
            try:
                job.run(context)
            finally:
                if log_dir:
                    keep_logs(job, log_dir, log_name or _short(tool))
    except UnsupportedRequirement as e:
        raise Unsupported(str(e)) from None
    if not results:
        raise ToolFailure(f"{_name(tool)} produced no result")
    outputs, status = results[-1]
    if status != "success":
        failure = PermanentToolFailure if status == "permanentFail" else ToolFailure
        raise failure(f"{_name(tool)} failed ({status})")
    return dict(outputs or {})


def keep_logs(job: Any, log_dir: str, name: str) -> list[str]:
    """Copy a job's declared stdout/stderr files (those it wrote) to a new ``log_dir/<name>[_N]/``; their copies.

    As cwltool names them: the directory is the step's (or tool's) short name, with _2, _3 ... for further
    runs of it (scatter elements, subworkflow instances, retries); it is claimed with mkdir, so workers on
    other hosts sharing ``log_dir`` never write into the same one.
    """
    outdir = getattr(job, "outdir", None)
    declared = [getattr(job, "stdout", None), getattr(job, "stderr", None)]
    sources = []
    for relative in dict.fromkeys(p for p in declared if p):  # stdout and stderr may be one file
        path = os.path.join(outdir, relative) if outdir else ""
        if path and os.path.isfile(path):
            sources.append((relative, path))
    if not sources:
        return []
    try:
        target = _claim_directory(log_dir, name)
        copies = []
        for relative, path in sources:
            destination = os.path.join(target, relative)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copy2(path, destination)
            copies.append(destination)
    except OSError as e:
        logger.warning("Could not copy the logs of %s to %s: %s", name, log_dir, e)
        return []
    return copies


def _claim_directory(parent: str, name: str) -> str:
    os.makedirs(parent, exist_ok=True)
    name = name.replace(os.sep, "_") or "job"
    count = 1
    while True:
        candidate = os.path.join(parent, name if count == 1 else f"{name}_{count}")
        try:
            os.mkdir(candidate)
            return candidate
        except FileExistsError:
            count += 1


def run_with_stderr(tool: Process, inputs: dict[str, Any], context: RuntimeContext, workdir: str,
                    log_dir: str = "", log_name: str = "") -> dict[str, Any]:
    """run_process, keeping the tool's stderr to show its tail when it fails."""
    path = os.path.join(workdir, STDERR_FILE)
    with open(path, "w+") as stderr:
        context.default_stderr = stderr
        try:
            return run_process(tool, inputs, context, log_dir, log_name)
        except ToolFailure as e:
            raise type(e)(f"{e}{_tail(path)}") from None
        except WorkflowException as e:  # cwltool's verdict on its errors too: permanentFail
            raise PermanentToolFailure(f"{_name(tool)}: {_one_line(str(e))}{_tail(path)}") from None
        finally:
            context.default_stderr = None
            _echo(path)


def _tail(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            lines = [line.rstrip() for line in f.read().splitlines() if line.strip()]
    except OSError:
        return ""
    if not lines:
        return ""
    return "; stderr: " + " | ".join(lines[-STDERR_TAIL_LINES:])


def _echo(path: str) -> None:
    """Copy the tool's stderr into this worker's log."""
    try:
        with open(path, errors="replace") as f:
            sys.stderr.write(f.read())
    except OSError:
        pass


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _short(tool: Process) -> str:
    ident = str(tool.tool.get("id", "tool"))
    return ident.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _name(tool: Process) -> str:
    return "tool '" + _short(tool) + "'"
