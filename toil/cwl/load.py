"""Load and validate CWL documents and job orders with cwltool; find processes by path.

Job bodies name a process by ``ProcessRef``: the document's URI and the ids of the steps
leading to it from the root. Each process loads a document once and caches it; workers
forked from the leader inherit the leader's cache.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cwltool.argparser import get_default_args
from cwltool.context import LoadingContext, RuntimeContext
from cwltool.load_tool import fetch_document, make_tool, resolve_and_validate_document, resolve_tool_uri
from cwltool.main import init_job_order, load_job_order, setup_loadingContext
from cwltool.process import Process
from cwltool.workflow import Workflow, WorkflowStep

from toil.cwl import schemas
from toil.cwl.container import use_container_jobs
from toil.cwl.files import CWLFileError
from toil.cwl.sources import Recorder, Replayer

logger = logging.getLogger(__name__)

_documents: dict[str, Process] = {}

# Read a job-store file's bytes by file id.
Reader = Callable[[str], bytes]


@dataclass(frozen=True)
class ProcessRef:
    """A process in a document: the root (no steps) or the tool a step runs.

    ``sources`` is the job-store file id of the texts the document was loaded from
    (toil.cwl.sources), which a worker that did not inherit the leader's cache loads.
    """

    document: str
    steps: tuple[str, ...] = ()
    enable_dev: bool = False
    sources: str | None = None

    def step(self, step_id: str) -> ProcessRef:
        return ProcessRef(self.document, self.steps + (step_id,), self.enable_dev, self.sources)


@dataclass
class Loaded:
    """A loaded document and what cwltool needs to run it."""

    tool: Process
    uri: str
    loading_context: LoadingContext
    runtime_context: RuntimeContext
    namespace: argparse.Namespace
    job_order: Any  # cwltool's CommentedMap (keeps line numbers for error messages) or None
    input_basedir: str
    job_loader: Any
    sources: Recorder


def cwltool_namespace(options: argparse.Namespace) -> argparse.Namespace:
    """cwltool's option namespace: its defaults, overridden by ours."""
    values = get_default_args()
    values.update({k: v for k, v in vars(options).items() if v is not None or k not in values})
    values["workflow"] = options.process
    values["job_order"] = list(options.job_order or [])
    values["use_container"] = not options.no_container
    values["quiet"] = True
    return argparse.Namespace(**values)


def load_document(options: argparse.Namespace) -> Loaded:
    """Load, upgrade and validate the document and read the job order (not yet initialized)."""
    schemas.warm()
    ns = cwltool_namespace(options)
    runtime_context = RuntimeContext(vars(ns))
    sources = Recorder()
    ns.fetcher_constructor = sources  # the loader setup_loadingContext makes reads through it
    loading_context = use_container_jobs(setup_loadingContext(None, runtime_context, ns))
    uri, tool_file_uri = resolve_tool_uri(
        ns.workflow, resolver=loading_context.resolver, fetcher_constructor=loading_context.fetcher_constructor
    )
    job_order, input_basedir, job_loader = _load_job_order(ns, loading_context, tool_file_uri)
    sources.forget()
    loading_context, workflowobj, uri = fetch_document(uri, loading_context)
    loading_context, uri = resolve_and_validate_document(loading_context, workflowobj, uri)
    tool = make_tool(uri, loading_context)
    return Loaded(tool, uri, loading_context, runtime_context, ns, job_order, input_basedir, job_loader, sources)


def _load_job_order(ns: argparse.Namespace, loading_context: Any, tool_file_uri: str) -> Any:
    """cwltool's load_job_order, with its log-and-exit on an empty or non-mapping job order made an error."""
    cwltool_logger = logging.getLogger("cwltool")
    level = cwltool_logger.level
    cwltool_logger.setLevel(logging.CRITICAL)  # the error below says it in one line
    try:
        return load_job_order(
            ns, sys.stdin, loading_context.fetcher_constructor, loading_context.overrides_list, tool_file_uri
        )
    except SystemExit:
        where = ns.job_order[0] if ns.job_order else "stdin"
        raise CWLFileError(f"{where}: the job order must be a mapping of input names to values "
                           "('{}' when the process takes no inputs)") from None
    finally:
        cwltool_logger.setLevel(level)


def initial_job_order(loaded: Loaded) -> dict[str, Any]:
    """The job order with command-line inputs, defaults, sizes and formats filled in."""
    job_order = init_job_order(
        loaded.job_order, loaded.namespace, loaded.tool, loaded.job_loader, sys.stdout,
        make_fs_access=_std_fs_access(),
        input_basedir=loaded.input_basedir, runtime_context=loaded.runtime_context,
    )
    return dict(job_order)


def _std_fs_access() -> Any:
    from cwltool.stdfsaccess import StdFsAccess

    return StdFsAccess


CWL_REQUIREMENTS = "https://w3id.org/cwl/cwl#requirements"


def apply_job_requirements(loaded: Loaded, job_order: dict[str, Any]) -> None:
    """Add ``cwl:requirements`` of the job order (or the document's cwl:defaults) to the root, as cwltool does."""
    from cwltool.errors import WorkflowException
    from cwltool.update import ORIGINAL_CWLVERSION

    requirements = job_order.pop(CWL_REQUIREMENTS, None)
    defaults = loaded.tool.metadata.get("cwl:defaults")
    if requirements is None and isinstance(defaults, dict):
        requirements = defaults.get(CWL_REQUIREMENTS)
    if requirements is None:
        return
    if loaded.tool.metadata.get(ORIGINAL_CWLVERSION) == "v1.0":
        raise WorkflowException("`cwl:requirements` in the input object is not part of CWL v1.0")
    loaded.tool.requirements.extend(requirements)


def _refuse_empty_names(value: Any, where: str) -> None:
    """An empty field name is never valid, and schema-salad's validator fails on one with an IndexError."""
    from cwltool.errors import WorkflowException

    if isinstance(value, dict):
        if "" in value:
            raise WorkflowException(f"Invalid job input record: {where} has a field with an empty name")
        for key, item in value.items():
            _refuse_empty_names(item, f"the field '{key}'")
    elif isinstance(value, list):
        for item in value:
            _refuse_empty_names(item, where)


def plain(value: Any) -> Any:
    """The same data in plain dicts and lists.

    The YAML loader's CommentedMap/CommentedSeq carry line numbers, and deep-copying them costs
    time quadratic in their length (about 4 s for a list of 2,000 ints); cwltool deep-copies
    inputs at every step, so a scatter over a long list paid that again and again.
    """
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def check_job_order(loaded: Loaded, job_order: dict[str, Any]) -> dict[str, Any]:
    """Validate the inputs (as plain data) against the root process; discover their secondary files.

    A validation error is reported from the loader's data, so that it names the line it is on.
    """
    from cwltool.errors import WorkflowException

    _refuse_empty_names(job_order, "the job order")
    try:
        return _check_job_order(loaded, plain(job_order))
    except WorkflowException:
        _check_job_order(loaded, job_order)
        raise


def _check_job_order(loaded: Loaded, job_order: dict[str, Any]) -> dict[str, Any]:
    apply_job_requirements(loaded, job_order)
    context = loaded.runtime_context.copy()
    context.toplevel = True
    context.basedir = loaded.input_basedir
    if context.make_fs_access is None:
        context.make_fs_access = _std_fs_access()
    builder = loaded.tool._init_job(job_order, context)
    from cwltool.utils import adjustDirObjs, trim_listing

    job = dict(builder.job)
    adjustDirObjs(job, trim_listing)  # as cwltool does: each tool lists directories as it asks
    return job


# -- the per-process document cache ----------------------------------------------------------------
def register(document: str, tool: Process) -> None:
    """Remember a loaded document (the leader does this before any worker forks)."""
    _documents[document] = tool


def root_of(ref: ProcessRef, read: Reader | None = None) -> Process:
    """The document's root process, from this process's cache or loaded once."""
    if ref.document not in _documents:
        from cwltool.load_tool import load_tool

        schemas.warm()
        context = use_container_jobs(LoadingContext({"enable_dev": ref.enable_dev, "relax_path_checks": True}))
        if ref.sources and read is not None:
            logger.debug("Loading %s from the texts the leader read", ref.document)
            context.fetcher_constructor = Replayer(read(ref.sources))
        else:
            logger.debug("Loading %s", ref.document)
        _documents[ref.document] = load_tool(ref.document, context)
    return _documents[ref.document]


def resolve(ref: ProcessRef, read: Reader | None = None) -> tuple[WorkflowStep | None, Process]:
    """The step (None for the root) and the process it runs."""
    process = root_of(ref, read)
    step: WorkflowStep | None = None
    for step_id in ref.steps:
        if not isinstance(process, Workflow):
            raise LookupError(f"{step_id} is not inside a workflow")
        step = _step(process, step_id)
        process = step.embedded_tool
    return step, process


def _step(workflow: Workflow, step_id: str) -> WorkflowStep:
    index: dict[str, WorkflowStep] | None = getattr(workflow, "_toil_steps", None)
    if index is None:
        index = {}
        for step in workflow.steps:
            index[step.id] = step
            index.setdefault(step.id.rsplit("#", 1)[-1], step)
        workflow._toil_steps = index  # type: ignore[attr-defined]
    return index[step_id]


def document_key(uri: str) -> str:
    return uri if "://" in uri else "file://" + os.path.abspath(uri)
