"""``toil-wdl-runner [options] WDL [INPUTS]``: run a WDL workflow on the core."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import uuid
from typing import Any

import WDL

from toil.core import console, errors, plugins
from toil.core.callcache import CallCache, max_size
from toil.core.config_file import new_parser
from toil.core.containers import ContainerError, describe, images_used, working_engine
from toil.core.leader import FAILURE_REPORT, JOB_LOG_REPORT, FailedJob
from toil.core.options import add_toil_options, apply_run_dir, finish_parser
from toil.core.optiontypes import boolean
from toil.core.toil import Toil
from toil.stores.urls import access_for
from toil.wdl import values
from toil.wdl.callcache import cache_settings
from toil.wdl.checks import check_no_compound_to_string, check_workflows
from toil.wdl.container import DEFAULT_IMAGE, prepare_images, resolve_option
from toil.wdl.evaluate import WdlRuntimeError
from toil.wdl.export import Exporter, URLExporter
from toil.wdl.files import file_uri, is_url
from toil.wdl.inputs import bind_inputs, import_inputs, read_inputs, target_of
from toil.wdl.load import WdlError, cache_document, find_documents, lint_errors, load_document
from toil.wdl.load import bundle_bytes as make_bundle
from toil.wdl.runtime import host_limits, names_image
from toil.wdl.section import WorkflowJob
from toil.wdl.single_task import TaskWorkflowJob
from toil.wdl.translate import Where

logger = logging.getLogger(__name__)
PROG = "toil-wdl-runner"
HANDLED: tuple[type[BaseException], ...] = (WdlError, *console.USER_ERRORS, WDL.Error.RuntimeError, OSError)


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(prog=PROG, description="Run a WDL workflow (draft-2, 1.0, 1.1) with Toil.")
    parser.add_argument("wdl_uri", metavar="WDL", help="The WDL document to run.")
    parser.add_argument("inputs_uri", metavar="INPUTS", nargs="?", default=None,
                        help="Inputs: a JSON file, '-' for standard input, or inline JSON.")
    group = parser.add_argument_group("WDL")
    group.add_argument("-i", "--input", "--inputs", dest="input_option", default=None,
                       help="Inputs (same forms as INPUTS).")
    group.add_argument("-o", "--wdlOutputDirectory", "--outputDirectory", "--output-directory",
                       dest="output_directory", default=None,
                       help="Directory or URI prefix (s3://bucket/prefix) for output files "
                            "(default: a new wdl-out-* directory here).")
    group.add_argument("-m", "--wdlOutputFile", "--outputFile", "--output-file", dest="output_file", default=None,
                       help="Also write the output JSON to this file.")
    group.add_argument("--wdlOutputDialect", "--outputDialect", "--output-dialect",
                       dest="output_dialect", default="cromwell",
                       choices=["cromwell", "miniwdl"], help="Shape of the output JSON (default cromwell).")
    group.add_argument("--wdlContainer", "--container", dest="container", default="auto",
                       choices=["docker", "podman", "singularity", "none", "auto"],
                       help="Where tasks run: an engine, the host (none), or auto (an engine if one is "
                            "installed and the task names an image, else the host). With an engine named, "
                            "tasks that name no image run in --default-container.")
    group.add_argument("--default-container", "--defaultContainer", dest="default_container", default=None,
                       metavar="IMAGE", help=f"Image for tasks that name none (default with --container ENGINE: "
                                             f"{DEFAULT_IMAGE}).")
    group.add_argument("--strict-memory-limit", "--strictMemoryLimit", dest="strict_memory_limit",
                       action="store_true", help="Make a task's runtime memory a hard limit on its container.")
    _add_wdl_bools(group)
    group.add_argument("--cfg", default=None, metavar="FILE",
                       help="A miniwdl configuration file; its [call_cache] get/put/dir (also read from miniwdl's "
                            "default files and MINIWDL__CALL_CACHE__GET/PUT/DIR) turn on the call cache.")
    group.add_argument("--cacheHash", choices=("deep", "lenient"), default="deep",
                       help="How the call cache knows input files: by content (deep) or path, size and mtime.")
    group.add_argument("--cacheMaxSize", default=None, metavar="BYTES",
                       help="Keep the call cache under this size (e.g. 20G), least recently used entries dropped.")
    add_toil_options(parser, jobstore_as_flag=True, runner="wdl")
    finish_parser(parser, "wdl")
    # WDL tasks retry by their own runtime.maxRetries; the core retries only when asked.
    parser.set_defaults(retryCount=0)
    return parser


def _add_wdl_bools(group: Any) -> None:
    """The WDL options that take Toil's BOOL (true/false, on/off, yes/no, 1/0, or bare for true)."""
    bool_kind: dict[str, Any] = {"nargs": "?", "const": True, "type": boolean, "metavar": "BOOL"}
    group.add_argument("--wdlAllCallOutputs", "--allCallOutputs", "--all-call-outputs", dest="all_call_outputs",
                       default=None, help="Also output every call's outputs (default: only for workflows whose "
                       "meta has croo_out_def, as Toil does).", **bool_kind)
    group.add_argument("--wdlStrict", "--strict", dest="strict", default=False,
                       help="Treat miniwdl's lint warnings as errors.", **bool_kind)
    group.add_argument("--wdlReferenceInputs", "--referenceInputs", "--reference-inputs", dest="reference_inputs",
                       default=False, help="Read input files where they are instead of copying them into the job "
                       "store.", **bool_kind)
    group.add_argument("--wdlQuantCheck", "--quantCheck", dest="check_quant", default=True,
                       help="Apply the type checker's optional-quantifier checks (default true; false is miniwdl's "
                       "--no-quant-check).", **bool_kind)
    group.add_argument("--noCheckQuant", dest="check_quant", action="store_false", default=argparse.SUPPRESS,
                       help="Same as --quantCheck=false.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = build_parser()
    options = parser.parse_args(argv)
    if options.input_option is not None and options.inputs_uri is not None:
        parser.error("give the inputs either as INPUTS or with -i, not both")
    options.inputs = options.input_option if options.input_option is not None else options.inputs_uri
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    debug = (options.logLevel or "").upper() == "DEBUG"
    if not debug:
        quiet_core_failures()
    try:
        code = run(options)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        code = 130
    except HANDLED as e:
        if debug:
            logger.exception("toil-wdl-runner failed")
        print(f"{PROG}: error: {one_line(e)}", file=sys.stderr)
        code = 1
    sys.exit(code)


class QuietFailures(logging.Filter):
    """Without --logDebug, keep the leader's failure reports out of the way of our one error line.

    The leader marks them: ``record.toil_report`` is "failure" for a failed job's report and
    "job_log" for the dump of its log. Tracebacks are dropped from every record.
    """

    REPORTS = (FAILURE_REPORT["toil_report"], JOB_LOG_REPORT["toil_report"])

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return getattr(record, "toil_report", None) not in self.REPORTS


def quiet_core_failures() -> None:
    for name in ("toil.core.leader", "toil.core.worker", "toil.core.toil"):
        logging.getLogger(name).addFilter(QuietFailures())


def one_line(error: BaseException) -> str:
    if isinstance(error, errors.FailedJobsException) and error.failed_jobs:
        return f"{failure_reason(error.failed_jobs[0])} (job store kept in {error.jobStoreLocator} for --restart)"
    return " ".join(str(error).split("\n")[0:1]) or type(error).__name__


def failure_reason(failed: FailedJob) -> str:
    """Why a job failed: a WDL error's own message (one line already), else ``Class: message`` or the core's reason."""
    error = failed.error
    if error is not None and (error.raised(WdlRuntimeError) or error.raised(WdlError)):
        return error.message
    return failed.reason


def run(options: argparse.Namespace) -> int:
    """Run with the given job store, or a fresh temporary one removed unless kept for --restart."""
    apply_run_dir(options)  # --runDir: the job store and --workDir in it
    if options.jobStore is not None:
        return run_in_store(options)
    if options.restart:
        raise WdlError("--restart needs the --jobStore of the run to resume")
    scratch = tempfile.mkdtemp(prefix="toil-wdl-")
    options.jobStore = os.path.join(scratch, "jobstore")
    try:
        return run_in_store(options)
    finally:
        if not os.path.exists(options.jobStore):  # cleaned after success, or never made
            shutil.rmtree(scratch, ignore_errors=True)


def run_in_store(options: argparse.Namespace) -> int:
    if options.container not in ("auto", "none"):
        try:
            working_engine(options.container)
        except ContainerError as e:
            raise WdlError(f"--container {options.container}: {e} (use --container none to run tasks on the "
                           "host)") from None
    doc = load_document(options.wdl_uri, check_quant=options.check_quant)
    check_no_compound_to_string(doc)
    check_workflows(doc)
    if options.strict:
        findings = lint_errors(doc)
        if findings:
            raise WdlError(f"{findings[0]} (--strict; {len(findings)} lint findings)")
    target = target_of(doc)
    bound, base = None, os.getcwd()
    if not options.restart:  # a resumed workflow keeps the inputs it started with
        data, base = read_inputs(options.inputs)
        bound = bind_inputs(doc, data)
    outputs = execute(options, doc, bound, base)
    document = render_outputs(options, target.name, outputs)
    text = json.dumps(document, indent=2)
    print(text)
    if options.output_file:
        with open(options.output_file, "w") as handle:
            handle.write(text + "\n")
    return 0


def job_options(options: argparse.Namespace, doc: WDL.Tree.Document) -> dict[str, Any]:
    # Decide the engine once here rather than probing engines in every task.
    tasks = [task for document in find_documents(doc) for task in document.tasks]
    found: dict[str, Any] = resolve_option(options.container, options.default_container, names_image(tasks))
    found["all_call_outputs"] = all_call_outputs(options.all_call_outputs, target_of(doc))
    found["strict_memory_limit"] = options.strict_memory_limit
    try:
        found["call_cache"] = settings = cache_settings(options.cfg, options.cacheHash)
        settings["max_size"] = max_size(options.cacheMaxSize)
        if settings["get"] or settings["put"]:
            CallCache.check_directory(settings["dir"])
    except ValueError as e:
        raise WdlError(str(e)) from None
    if plugins.runs_jobs_here(options.batchSystem):
        found["limits"] = host_limits(vars(options))
        prepare_images(found, tasks)  # jobs run here: a missing image is one error before anything runs
    return found


def all_call_outputs(asked: bool | None, target: Any) -> bool:
    """--allCallOutputs, or when not given, whether the target's meta has croo_out_def (as Toil infers)."""
    if asked is not None:
        return bool(asked)
    if "croo_out_def" in (getattr(target, "meta", None) or {}):
        logger.warning("This WDL expects the Cromwell Output Organizer (croo): every call's outputs are kept as "
                       "workflow outputs (--allCallOutputs=off to not), though no croo metadata is written.")
        return True
    return False


def execute(options: argparse.Namespace, doc: WDL.Tree.Document, bound: Any, base: str) -> dict[str, Any]:
    """Run (or resume) the workflow; return its outputs with files exported to the output directory."""
    to_url = is_url(options.output_directory or "") and not options.output_directory.startswith("file:")
    if to_url:  # a URL prefix (s3://bucket/prefix): fail now, not after the run, if it cannot be written
        try:
            access_for(options.output_directory)
        except ValueError as e:
            raise WdlError(f"--outputDirectory: {e}") from None
    else:
        options.output_directory = os.path.abspath(
            options.output_directory or os.path.join(os.getcwd(), f"wdl-out-{uuid.uuid4().hex[:8]}"))
    with Toil(options) as toil:
        if options.restart:
            encoded = toil.restart()
        else:
            encoded = toil.start(root_job(toil, options, doc, bound, base))
        images = images_used(toil._jobStore)
        if images:
            logger.info("Container images used: %s", describe(images))
        if to_url:
            exporter: Exporter = URLExporter(toil, options.output_directory)
        else:
            os.makedirs(options.output_directory, exist_ok=True)
            exporter = Exporter(toil, options.output_directory)
        if not isinstance(encoded, dict):  # --restart of a store another runner or script made
            raise WdlError(f"the job store {options.jobStore} does not hold a WDL workflow")
        return {name: values.decode(values.map_files(value, exporter.export, exporter.export_dir)).json
                for name, value in encoded.items()}


def root_job(toil: Toil, options: argparse.Namespace, doc: WDL.Tree.Document, bound: Any, base: str) -> Any:
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "bundle.json")
        with open(path, "wb") as handle:
            handle.write(make_bundle(doc, options.check_quant))
        bundle = file_uri(str(toil.importFile(path, symlink=False)), "bundle.json")  # a temporary file: copied
    cache_document(bundle, doc)
    inputs = import_inputs(bound, base, toil.importFile, reference=options.reference_inputs)
    toil.frontend = job_options(options, doc)  # what workers read (a --restart keeps the first run's)
    where = Where(bundle, doc.pos.abspath)
    if doc.workflow is None:
        return TaskWorkflowJob(where, target_of(doc).name, inputs)
    return WorkflowJob(where, inputs, label=doc.workflow.name)


def render_outputs(options: argparse.Namespace, name: str, outputs: dict[str, Any]) -> dict[str, Any]:
    named = {f"{name}.{key}": value for key, value in outputs.items()}
    if options.output_dialect == "miniwdl":
        return {"outputs": named, "dir": options.output_directory}
    return named


if __name__ == "__main__":
    main()
