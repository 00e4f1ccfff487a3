"""Run one CWL process (CommandLineTool or ExpressionTool) with cwltool's job machinery."""

from __future__ import annotations

import copy
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from cwltool.context import RuntimeContext
from cwltool.errors import UnsupportedRequirement, WorkflowException
from cwltool.process import Process

from toil.cwl.files import fs_access_factory
from toil.cwl.requirements import container_problem, without_required_container

logger = logging.getLogger(__name__)
STDERR_TAIL_LINES = 5


class ToolFailure(Exception):
    """A tool failed; the message is one line (with the tail of its stderr)."""


class Unsupported(Exception):
    """The document needs something this runner cannot do here."""


@dataclass
class RunOptions:
    """The runner's options that workers need (small, picklable)."""

    no_container: bool = False
    podman: bool = False
    singularity: bool = False
    default_container: str | None = None
    preserve_environment: list[str] = field(default_factory=list)
    preserve_entire_environment: bool = False
    eval_timeout: float = 60.0
    strict_memory_limit: bool = False
    enable_dev: bool = False
    debug: bool = False
    tmpdir_prefix: str | None = None
    tmp_outdir_prefix: str | None = None
    max_cores: float | None = None
    max_memory: int | None = None


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


def run_process(tool: Process, inputs: dict[str, Any], context: RuntimeContext) -> dict[str, Any]:
    """Run a process through ``tool.job(...)`` and return its outputs, raising on failure."""
    results: list[tuple[Any, str]] = []

    def collect(outputs: Any, status: str) -> None:
        results.append((outputs, status))

    try:
        for job in tool.job(copy.deepcopy(inputs), collect, context):
            if job is None:
                raise WorkflowException(f"{tool.tool.get('id')}: the job is waiting on inputs that never came")
            job.run(context)
    except UnsupportedRequirement as e:
        raise Unsupported(str(e)) from None
    if not results:
        raise ToolFailure(f"{_name(tool)} produced no result")
    outputs, status = results[-1]
    if status != "success":
        raise ToolFailure(f"{_name(tool)} failed ({status})")
    return dict(outputs or {})


def run_with_stderr(tool: Process, inputs: dict[str, Any], context: RuntimeContext, workdir: str) -> dict[str, Any]:
    """run_process, keeping the tool's stderr to show its tail when it fails."""
    path = os.path.join(workdir, "stderr.txt")
    with open(path, "w+") as stderr:
        context.default_stderr = stderr
        try:
            return run_process(tool, inputs, context)
        except ToolFailure as e:
            raise ToolFailure(f"{e}{_tail(path)}") from None
        except WorkflowException as e:
            raise ToolFailure(f"{_name(tool)}: {_one_line(str(e))}{_tail(path)}") from None
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


def _name(tool: Process) -> str:
    ident = str(tool.tool.get("id", "tool"))
    return "tool '" + ident.rsplit("/", 1)[-1].rsplit("#", 1)[-1] + "'"
