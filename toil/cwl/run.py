"""The runner's flow: load, validate, import inputs, run on the core, export outputs."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from typing import Any

from cwltool.errors import UnsupportedRequirement, WorkflowException
from schema_salad.exceptions import ValidationException

from toil.core import errors, plugins
from toil.core.callcache import CallCache, max_size
from toil.core.containers import ContainerError, describe, images_used
from toil.core.toil import Toil
from toil.cwl.container import prepare_image
from toil.cwl.destbucket import check_dest, export_to_url
from toil.cwl.files import CWLFileError
from toil.cwl.load import (
    ProcessRef,
    check_job_order,
    document_key,
    initial_job_order,
    load_document,
    register,
)
from toil.cwl.messages import PROG, UNSUPPORTED_EXIT, fold, has_location, not_cwl
from toil.cwl.tool import RunOptions, Unsupported, prepare_tool
from toil.cwl.transfer import Exporter, Importer
from toil.cwl.translate import RootJob

logger = logging.getLogger(PROG)


def run_options(options: argparse.Namespace) -> RunOptions:
    return RunOptions(
        no_container=options.no_container,
        podman=options.engine == "podman",
        singularity=options.engine == "singularity",
        default_container=options.default_container,
        preserve_environment=list(options.preserve_environment or []),
        preserve_entire_environment=options.preserve_entire_environment,
        eval_timeout=options.eval_timeout,
        strict_memory_limit=options.strict_memory_limit,
        strict_cpu_limit=options.strict_cpu_limit,
        enable_dev=options.enable_dev,
        debug=options.debug,
        tmpdir_prefix=_absolute(options.tmpdir_prefix),
        tmp_outdir_prefix=_absolute(options.tmp_outdir_prefix),
        max_cores=getattr(options, "maxCores", None),
        max_memory=getattr(options, "maxMemory", None),
        log_dir=_absolute(getattr(options, "log_dir", "")) or "",
        cache_dir=_absolute(getattr(options, "cachedir", "")) or "",
        cache_hash=getattr(options, "cacheHash", "deep"),
        cache_max_size=getattr(options, "cacheMaxSize", None),
    )


def print_json(outputs: Any) -> None:
    sys.stdout.write(json.dumps(outputs, indent=4, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def default_job_store() -> str:
    return os.path.join(tempfile.mkdtemp(prefix="toil-cwl-"), "jobstore")


def _absolute(path: str | None) -> str | None:
    return os.path.abspath(path) if path else None


def run_workflow(options: argparse.Namespace) -> int:
    try:
        loaded = load_document(options)
    except (StopIteration, ValueError, TypeError, AttributeError, KeyError, IndexError) as e:
        # Not schema-salad's validation errors (they say where): a document that is no CWL at all.
        raise CWLFileError(not_cwl(options.process, e)) from None
    if options.validate:
        print(f"{options.process} is valid CWL.")
        return 0
    job_order = check_job_order(loaded, initial_job_order(loaded))
    local = plugins.runs_jobs_here(options.batchSystem)
    check_containers(loaded.tool, run_options(options), local)
    if options.destBucket:
        check_dest(options.destBucket)
    if options.cachedir:
        try:
            CallCache.check_directory(options.cachedir)
            options.cacheMaxSize = max_size(options.cacheMaxSize)
        except ValueError as e:
            raise CWLFileError(str(e)) from None
    temporary_store = not options.jobStore
    if temporary_store:
        options.jobStore = default_job_store()
    document = document_key(loaded.uri)
    register(document, loaded.tool)
    try:
        with Toil(options) as toil:
            toil.frontend = run_options(options).to_json()  # what workers read (a --restart keeps the first run's)
            if options.restart:
                outputs = toil.restart()
            else:
                ref = ProcessRef(document, (), options.enable_dev, _store_sources(toil, loaded))
                importer = Importer(lambda path: str(toil.importFile(path)), import_urls=True)
                root = RootJob(ref, importer.convert(job_order), "main")
                outputs = toil.start(root)
            images = images_used(toil._jobStore)
            if images:
                logger.info("Container images used: %s", describe(images))
            export = lambda file_id, path: toil.exportFile(file_id, path)  # noqa: E731
            if options.destBucket:
                outputs = export_to_url(outputs, options.destBucket, export)
            else:
                outputs = Exporter(options.outdir, export).export_all(outputs)
    except errors.FailedJobsException:
        if temporary_store:
            logger.warning("The job store %s is kept: rerun with --jobStore %s --restart", options.jobStore,
                           options.jobStore)
        raise
    if temporary_store and not os.path.exists(options.jobStore):
        shutil.rmtree(os.path.dirname(options.jobStore), ignore_errors=True)
    print_json(outputs)
    return 0


def check_containers(tool: Any, options: RunOptions, local: bool = False) -> None:
    """Refuse before starting when a tool needs a container engine that is not here.

    With ``local`` (jobs run on this machine), also make each tool's image present now, so a
    missing image is one error before anything runs.
    """
    prepare_tool(tool, options)
    if local and not options.no_container and tool.tool.get("class") == "CommandLineTool":
        prepare_image(tool, options)
    for step in getattr(tool, "steps", []) if tool.tool.get("class") == "Workflow" else []:
        check_containers(step.embedded_tool, options, local)


def _store_sources(toil: Toil, loaded: Any) -> str:
    """Keep the texts the document was loaded from in the job store (for workers that must load it)."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "sources.json")
        with open(path, "wb") as f:
            f.write(loaded.sources.to_json())
        return str(toil.importFile(path, symlink=False))  # a temporary file: copied


def error_message(error: BaseException, document: str = "") -> str:
    """One line for a user error: schema-salad's located messages folded to their deepest problem."""
    text = fold(str(error))
    if isinstance(error, ValidationException):
        if document and not has_location(text):
            text = f"{document}: {text}"  # e.g. no or an unknown cwlVersion: say which document
        return f"Tool definition failed validation: {text}" if "\n" in str(error).strip() else text
    if isinstance(error, (CWLFileError, Unsupported, ContainerError, errors.FailedJobsException)):
        return text
    if isinstance(error, (WorkflowException, UnsupportedRequirement)):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def error_exit_code(error: BaseException) -> int:
    if isinstance(error, (Unsupported, UnsupportedRequirement)):
        return UNSUPPORTED_EXIT
    if isinstance(error, errors.FailedJobsException):
        raised = [getattr(job, "error", None) for job in error.failed_jobs]
        if raised and all(e is not None and (e.raised(Unsupported) or e.raised_named("UnsupportedRequirement"))
                          for e in raised):
            return UNSUPPORTED_EXIT
    return 1
