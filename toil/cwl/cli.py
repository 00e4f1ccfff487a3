"""toil-cwl-runner [options] PROCESS [JOB_ORDER] [--INPUT value ...]"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from toil.core.config_file import new_parser
from toil.core.options import add_toil_options, apply_run_dir, finish_parser
from toil.cwl.messages import PROG
from toil.extras import require
from toil.version import version as toil_version

logger = logging.getLogger(PROG)


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(prog=PROG, description="Run a CWL document on Toil's engine.", allow_abbrev=False)
    parser.add_argument("process", nargs="?", help="The CWL document (a CommandLineTool, ExpressionTool or Workflow).")
    parser.add_argument("job_order", nargs=argparse.REMAINDER,
                        help="A job order (YAML/JSON) and/or --INPUT value options for the process's inputs.")
    add_toil_options(parser, jobstore_as_flag=True, runner="cwl")
    _add_cwltool_options(parser.add_argument_group("CWL (cwltool's options)"))
    finish_parser(parser, "cwl")
    return parser


def _add_cwltool_options(group: Any) -> None:
    group.add_argument("--outdir", default=os.getcwd(), help="Where final outputs go (default: here).")
    group.add_argument("--destBucket", default=None, metavar="URL",
                       help="Put the final outputs under this URL prefix (s3://bucket/prefix) instead of --outdir.")
    group.add_argument("--no-container", dest="no_container", action="store_true",
                       help="Run DockerRequirement tools on the host, without a container.")
    engine = group.add_mutually_exclusive_group()
    engine.add_argument("--docker", dest="engine", action="store_const", const="docker", default="docker",
                        help="Run containers with docker (default).")
    engine.add_argument("--podman", dest="engine", action="store_const", const="podman", help="Use podman.")
    engine.add_argument("--singularity", dest="engine", action="store_const", const="singularity",
                        help="Use singularity (or apptainer).")
    group.add_argument("--default-container", default=None, help="Image for tools that name none.")
    group.add_argument("--preserve-environment", action="append", default=[], metavar="VAR",
                       help="Pass this environment variable to tools.")
    group.add_argument("--preserve-entire-environment", action="store_true", help="Pass the whole environment.")
    group.add_argument("--tmpdir-prefix", default=None, help="Prefix of tools' temporary directories.")
    group.add_argument("--tmp-outdir-prefix", default=None, help="Prefix of tools' output directories.")
    group.add_argument("--eval-timeout", type=float, default=60.0, help="Seconds a JavaScript expression may take.")
    group.add_argument("--relax-path-checks", action="store_true", help="Allow any character in file names.")
    group.add_argument("--enable-dev", action="store_true", help="Accept development versions of CWL.")
    group.add_argument("--enable-ext", action="store_true", help="Accept cwltool's extensions.")
    group.add_argument("--strict-memory-limit", action="store_true",
                       help="Limit a container's memory to what the tool asks for (ramMin, else ramMax).")
    group.add_argument("--strict-cpu-limit", action="store_true",
                       help="Limit a container's CPUs to what the tool asks for (coresMin, rounded up).")
    group.add_argument("--on-error", choices=("stop", "continue"), default="stop",
                       help="After a step fails: stop (default: start no more steps and end once the running ones "
                            "finish) or continue (keep running the steps that do not depend on the failed one).")
    group.add_argument("--validate", action="store_true", help="Only validate the document.")
    group.add_argument("--version", action="store_true", help="Print the version and exit.")
    group.add_argument("--log-dir", default="", metavar="DIR",
                       help="Also copy the stdout/stderr files of tools that declare them (stdout:, stderr: or "
                            "outputs of type stdout/stderr) to DIR/<step>/ (DIR/<step>_2/ ... for more runs of a "
                            "step). DIR must be reachable from every worker.")
    group.add_argument("--cachedir", default="", metavar="DIR",
                       help="Call cache: reuse the outputs of CommandLineTool runs whose definition, inputs and "
                            "settings match an entry in DIR, and store new ones there (DIR may be shared by runs).")
    group.add_argument("--cacheHash", choices=("deep", "lenient"), default="deep",
                       help="How the call cache knows input files: by content (deep, the default; each file is "
                            "read once and remembered by device, inode, size and mtime) or by path, size and "
                            "mtime (lenient).")
    group.add_argument("--cacheMaxSize", default=None, metavar="BYTES",
                       help="Keep the call cache under this size (e.g. 20G): after a step stores an entry, least "
                            "recently used entries are dropped.")
    group.add_argument("--debug", action="store_true", help="Debug logging and full tracebacks.")
    group.add_argument("--quiet", action="store_true", help="Only warnings and errors on stderr.")
    group.add_argument("--basedir", default=None, help=argparse.SUPPRESS)


def fail(message: str, code: int = 1) -> int:
    text = message.strip() or "unknown error"
    sys.stderr.write(f"{PROG}: error: {text}\n")
    sys.stderr.flush()
    return code


def debugging(options: argparse.Namespace) -> bool:
    return bool(getattr(options, "debug", False)) or getattr(options, "logLevel", "") == "DEBUG"


class _NoJobLogs(logging.Filter):
    """Keep tracebacks (failed jobs' log dumps, local jobs' exceptions) out of the log unless debugging."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "toil_report", "") == "job_log":
            return False  # the leader's dump of a failed job's log
        record.exc_info = None
        record.exc_text = None
        return True


def _setup_logging(options: argparse.Namespace) -> None:
    """Quiet cwltool (its messages go through our handlers); call after importing cwltool."""
    if options.debug:
        options.logLevel = "DEBUG"
    elif options.quiet and options.logLevel == "INFO":
        options.logLevel = "WARNING"
    from cwltool.loghandler import _logger as cwltool_logger
    from cwltool.loghandler import defaultStreamHandler

    cwltool_logger.removeHandler(defaultStreamHandler)
    debug = options.logLevel == "DEBUG"
    cwltool_logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger("salad").setLevel(logging.DEBUG if debug else logging.ERROR)
    if not debug:
        logging.getLogger("toil.core.leader").addFilter(_NoJobLogs())


def core_options(options: argparse.Namespace) -> None:
    """Turn cwltool's options into what the core and the workers read (before building Toil(options))."""
    # --on-error stop: the leader submits no more jobs once one fails for good (continue: the core's default,
    # jobs that do not depend on the failed one keep running).
    options.stopOnFailure = options.on_error == "stop"
    apply_run_dir(options)  # --runDir: the job store and --workDir in it (before a temporary store is made)
    # Workers copy tools' stdout/stderr there, from wherever they run: make it absolute here.
    options.log_dir = os.path.abspath(options.log_dir) if options.log_dir else ""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if options.version:
        print(f"{PROG} {toil_version}")
        return 0
    if not options.process:
        parser.print_usage(sys.stderr)
        return fail("a CWL document is required")
    require(PROG, "cwl")
    from toil.cwl.run import run_workflow

    _setup_logging(options)
    core_options(options)

    try:
        return run_workflow(options)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except Exception as e:  # noqa: BLE001 - every error is one line unless debugging
        if debugging(options):
            raise
        from toil.cwl.run import error_exit_code, error_message

        return fail(error_message(e, options.process), error_exit_code(e))


if __name__ == "__main__":
    sys.exit(main())
