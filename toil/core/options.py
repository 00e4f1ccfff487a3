"""Toil's command-line options and the Config the core reads from them.

Each core option is declared once, below, with its default (an Option both adds itself to a
parser and reads its value back); Config is what the core reads, built from a parsed namespace
in one place. Each batch system and job store adds its own section through its ``add_options``
(reached by name through core.plugins), and the core never names a backend's fields.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

from toil.core import config_file, logs, plugins
from toil.core.optiontypes import (
    Option,
    boolean,
    cores,
    count,
    duration,
    env_pair,
    flag,
    log_level,
    non_negative,
    port,
    seconds,
    size,
)
from toil.core.requirements import RequirementError, Requirements, human2bytes, parse_accelerator, parse_bool
from toil.core.services import DEFAULT_DEADLOCK_CHECK_INTERVAL, DEFAULT_DEADLOCK_WAIT
from toil.core.toil_compat_options import add_compat_options
from toil.version import version

CLEAN_CHOICES = ("always", "onError", "never", "onSuccess")
JOB_STORE_HELP = "The job store: a path, file:PATH or aws:REGION:NAME."

# -- the options, each with its default -------------------------------------------------------
LOG_LEVEL = Option(("--logLevel",), "INFO", "Log level of the leader (default %(default)s).", log_level)
#: --logOff ... --logDebug: the first action of a dest sets its default, so they repeat --logLevel's
LOG_LEVEL_SHORTHANDS = tuple(
    Option((f"--log{level.capitalize()}",), LOG_LEVEL.default, f"Same as --logLevel={level}.", dest=LOG_LEVEL.name,
           extra={"action": "store_const", "const": level})
    for level in ("OFF", "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
)
LOG_FILE: Option[str | None] = Option(("--logFile",), None, "Also write the leader's log to this file.")

WORK_DIR: Option[str | None] = Option(("--workDir",), None, "Where jobs get temporary directories (default: "
                                      "$TOIL_WORKDIR, else the system's).")
RUN_DIR: Option[str | None] = Option(("--runDir",), None, "One directory for a run: the defaults of --jobStore "
                                     "(DIR/jobstore-<random>) and --workDir (DIR/work) lie in it.")
CLEAN: Option[str | None] = Option(("--clean",), None, "When to delete the job store: always, onError, never or "
                                   "onSuccess (default; never with --stats).", extra={"choices": CLEAN_CHOICES})
RESTART = flag("--restart", help="Resume the workflow in an existing job store.")
STATS = flag("--stats", help="Keep statistics in the job store (implies --clean=never).")
BATCH_SYSTEM = Option(("--batchSystem",), plugins.DEFAULT_BATCH_SYSTEM, "Where jobs run (default %(default)s).")
RETRY_COUNT = Option(("--retryCount",), 1, "How many times to retry a failed job (default %(default)s).", count)
RETRY_BACKOFF_SECONDS = Option(("--retryBackoffSeconds",), 2.0, "Seconds to wait before a job's first retry "
                               "(default %(default)g).", non_negative, dest="retry_backoff_seconds")
RETRY_BACKOFF_FACTOR = Option(("--retryBackoffFactor",), 3.0, "Each further retry waits this many times longer "
                              "(default %(default)g).", non_negative, dest="retry_backoff_factor")
DOUBLE_MEM = flag("--doubleMem", help="Retry a job the batch system killed for its memory (slurm, grid_engine, lsf, "
                  "htcondor say so) with twice the memory.")
STOP_ON_FIRST_FAILURE = flag("--stopOnFirstFailure", dest="stop_on_first_failure",
                             help="After a job fails for good, start no new job and stop once running ones end.")
MAX_JOB_DURATION: Option[float | None] = Option(
    ("--maxJobDuration",), None, "Kill a job that runs longer than this many seconds (and retry it).", duration)
DISABLE_CHAINING = flag("--disableChaining", help="Never run a job's sole successor in the same worker.")
CACHING = flag("--caching", help="Share files read by the jobs of a machine in a cache (default false).")
DISABLE_CACHING: Option[bool] = Option(("--disableCaching",), False, "Same as --caching=false.", dest="caching",
                                       extra={"action": "store_const", "const": False, "default": argparse.SUPPRESS})
MAX_SERVICE_JOBS = Option(("--maxServiceJobs",), sys.maxsize,
                          "How many services may run at once (default: no limit).", count)
DEADLOCK_WAIT = Option(("--deadlockWait",), DEFAULT_DEADLOCK_WAIT, "Seconds only services may run, with other jobs "
                       "waiting, before the workflow stops with a deadlock (default %(default)g).", duration)
DEADLOCK_CHECK_INTERVAL = Option(("--deadlockCheckInterval",), DEFAULT_DEADLOCK_CHECK_INTERVAL,
                                 "Seconds between checks for a deadlock (default %(default)g).", duration)
SET_ENV: Option[list[tuple[str, str | None]]] = Option(
    ("--setEnv", "-e"), [], "Set an environment variable for every job.", env_pair, dest="environment",
    extra={"action": "append", "metavar": "NAME=VALUE"})
TRACE: Option[str | None] = Option(("--trace",), None, "Write a row per job attempt to this tab-separated file as "
                                   "jobs finish (Nextflow's trace columns: times, CPU, peak memory, I/O, host).",
                                   extra={"metavar": "FILE"})
REPORT: Option[str | None] = Option(("--report",), None, "Write an HTML report of the run (summary, timeline of "
                                    "every job attempt, resources per step, the job graph) to this file when it "
                                    "ends, failed or not; needs plotly (the 'report' extra).",
                                    extra={"metavar": "FILE.html"})
CORE_OPTIONS = (WORK_DIR, RUN_DIR, CLEAN, RESTART, STATS, BATCH_SYSTEM, RETRY_COUNT, RETRY_BACKOFF_SECONDS,
                RETRY_BACKOFF_FACTOR, DOUBLE_MEM, STOP_ON_FIRST_FAILURE, MAX_JOB_DURATION, DISABLE_CHAINING, CACHING,
                DISABLE_CACHING, MAX_SERVICE_JOBS, DEADLOCK_WAIT, DEADLOCK_CHECK_INTERVAL, SET_ENV, TRACE, REPORT)

# Staging: how local files enter and leave a job store on a local filesystem (Toil's spellings).
SYMLINK_IMPORTS = Option(
    ("--symlinkImports",), True, "Take local input files into a file job store by a hard link (a symbolic link "
    "across filesystems) instead of a copy (default %(default)s). They must not change while the workflow runs: "
    "a --restart refuses changed ones. false copies them (a reflink where the filesystem can).", boolean,
    extra={"nargs": "?", "const": True, "metavar": "BOOL"})
LINK_IMPORTS = Option(("--linkImports",), True, "Same as --symlinkImports=true.", dest=SYMLINK_IMPORTS.name,
                      extra={"action": "store_const", "const": True})
NO_LINK_IMPORTS = Option(("--noLinkImports",), True, "Same as --symlinkImports=false.", dest=SYMLINK_IMPORTS.name,
                         extra={"action": "store_const", "const": False})
MOVE_OUTPUTS = flag("--moveOutputs", help="Move the workflow's output files out of a file job store into place, "
                    "leaving symbolic links to them in the store, instead of linking or copying them "
                    "(default false).")
MOVE_EXPORTS = Option(("--moveExports",), False, "Same as --moveOutputs=true.", dest=MOVE_OUTPUTS.name,
                      extra={"action": "store_const", "const": True})
NO_MOVE_EXPORTS = Option(("--noMoveExports",), False, "Same as --moveOutputs=false.", dest=MOVE_OUTPUTS.name,
                         extra={"action": "store_const", "const": False})
STAGING_OPTIONS = (SYMLINK_IMPORTS, LINK_IMPORTS, NO_LINK_IMPORTS, MOVE_OUTPUTS, MOVE_EXPORTS, NO_MOVE_EXPORTS)
DISABLE_PROGRESS = flag("--disableProgress", help="Draw no status line on a terminal; log a summary every "
                        "--progressInterval seconds instead, as when stderr is no terminal.")
PROGRESS_INTERVAL = Option(("--progressInterval",), 60.0, "Seconds between the log's progress summaries when no "
                           "status line is drawn (0: none; default %(default)g).", seconds,
                           extra={"metavar": "SECONDS"})
METRICS = flag("--metrics", help="Serve Prometheus metrics of the run on 127.0.0.1 while it runs (the leader logs "
               "the address).")
METRICS_PORT = Option(("--metricsPort",), 0, "The port --metrics serves on (default: a free one).", port,
                      extra={"metavar": "PORT"})
METRICS_WAIT = Option(("--metricsWait",), 15.0, "At the end of the run, seconds --metrics waits for a scraper that "
                      "came before to read the final figures (default %(default)g).", seconds,
                      extra={"metavar": "SECONDS"})
WATCH_OPTIONS = (DISABLE_PROGRESS, PROGRESS_INTERVAL, METRICS, METRICS_PORT, METRICS_WAIT)

MAX_CORES: Option[float | None] = Option(("--maxCores",), None, "Cores used at once by all jobs.", cores)
MAX_MEMORY: Option[int | None] = Option(("--maxMemory",), None, "Memory used at once by all jobs.", size)
MAX_DISK: Option[int | None] = Option(("--maxDisk",), None, "Disk used at once by all jobs.", size)
DEFAULT_CORES = Option(("--defaultCores",), 1, "Cores of a job that names none (%(default)g).", cores)
DEFAULT_MEMORY = Option(("--defaultMemory",), human2bytes("2Gi"), "Memory of a job (2Gi).", size)
DEFAULT_DISK = Option(("--defaultDisk",), human2bytes("2Gi"), "Disk of a job (2Gi).", size)
DEFAULT_ACCELERATORS: Option[list[Any]] = Option(("--defaultAccelerators",), [], "Accelerators of a job that names "
                                                 "none.", parse_accelerator, extra={"action": "append"})
DEFAULT_PREEMPTIBLE = flag("--defaultPreemptible", "--defaultPreemptable", dest="defaultPreemptible",
                           help="Whether jobs may run on preemptible nodes by default.")
DEFAULT_WALLTIME = Option(("--defaultWalltime",), 0, "Time limit in seconds asked of the scheduler for each job "
                          "(0: none; Slurm's --time unless --slurmTime is given).", count)
RESOURCE_OPTIONS = (MAX_CORES, MAX_MEMORY, MAX_DISK, DEFAULT_CORES, DEFAULT_MEMORY, DEFAULT_DISK, DEFAULT_ACCELERATORS,
                    DEFAULT_PREEMPTIBLE, DEFAULT_WALLTIME)

KILL_POLLING_INTERVAL = Option(("--kill_polling_interval", "--killPollingInterval"), 5.0,
                               "How often the leader looks for the kill flag set by toil kill (default %(default)g).",
                               float, extra={"metavar": "SECONDS"})

def _boolean_flags(parser: argparse.ArgumentParser) -> frozenset[str]:
    """The parser's BOOL options: their value is optional and never a word that is no boolean."""
    return frozenset(name for action in parser._actions if action.nargs == "?" and action.type is boolean
                     for name in action.option_strings)


def _is_boolean_word(word: str) -> bool:
    try:
        parse_bool(word)
    except RequirementError:
        return False
    return True


def _give_flags_their_values(words: list[str], flags: frozenset[str]) -> list[str]:
    """Write ``--restart wf.cwl`` as ``--restart=true wf.cwl``: a word that is no boolean is no value of it.

    argparse gives an optional value the next word whatever it is, so without this
    ``toil-cwl-runner --jobStore js --restart wf.cwl job.yml`` (fine with Toil, whose
    --restart takes no value) failed with "'wf.cwl' is not a boolean".
    """
    out: list[str] = []
    for index, word in enumerate(words):
        if word == "--":
            return out + words[index:]
        following = words[index + 1] if index + 1 < len(words) else None
        if word in flags and following is not None and not following.startswith("-") \
                and not _is_boolean_word(following):
            word = f"{word}=true"
        out.append(word)
    return out


def _parse_flags_first(parser: argparse.ArgumentParser) -> None:
    """Make the parser apply _give_flags_their_values to whatever it parses."""
    parse = parser.parse_known_args

    def parse_known_args(args: Any = None, namespace: Any = None,
                         **kwargs: Any) -> tuple[argparse.Namespace, list[str]]:
        words = _give_flags_their_values(sys.argv[1:] if args is None else list(args), _boolean_flags(parser))
        if not kwargs.get("config_file_contents") and not config_file.reads_config_files(parser, words):
            return argparse.ArgumentParser.parse_known_args(parser, words, namespace)
        return parse(words, namespace, **kwargs)

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign,assignment]


def _add_group(parser: argparse.ArgumentParser, title: str, options: tuple[Option[Any], ...]) -> None:
    group = parser.add_argument_group(title)
    for option in options:
        option.add_to(group)


def add_toil_options(parser: Any, jobstore_as_flag: bool = False, runner: str = "script") -> None:
    """Add Toil's options to an ArgumentParser (Job.Runner.addToilOptions).

    A configargparse parser also gets ``--config FILE`` and ``~/.toil/default.yaml``. A Python
    script's parser gets Toil's other options (toil_compat_options) here; a runner, which adds
    options of its own afterwards, calls ``finish_parser`` once it has.
    """
    if not isinstance(parser, argparse.ArgumentParser):
        raise TypeError("addToilOptions needs an argparse.ArgumentParser")
    config_file.use_config_files(parser)
    if jobstore_as_flag:
        parser.add_argument("--jobStore", "--jobstore", dest="jobStore", default=None, help=JOB_STORE_HELP)
    else:
        parser.add_argument("jobStore", help=JOB_STORE_HELP)
    _add_group(parser, "Logging", (*LOG_LEVEL_SHORTHANDS, LOG_LEVEL, LOG_FILE))
    _parse_flags_first(parser)
    names = ", ".join(plugins.batch_system_names())
    batch_system = dataclasses.replace(BATCH_SYSTEM, help=f"Where jobs run: {names} (default %(default)s).")
    _add_group(parser, "Core", tuple(batch_system if o is BATCH_SYSTEM else o for o in CORE_OPTIONS))
    _add_group(parser, "Resources", RESOURCE_OPTIONS)
    _add_group(parser, "Staging files", STAGING_OPTIONS)
    _add_group(parser, "Progress and metrics", WATCH_OPTIONS)
    logs.add_log_options(parser)  # toil.core.logs
    KILL_POLLING_INTERVAL.add_to(parser)  # toil kill (toil.core.control)
    plugins.add_plugin_options(parser)
    if runner == "script":
        finish_parser(parser, runner)


def finish_parser(parser: argparse.ArgumentParser, runner: str) -> None:
    """Add Toil's options the parser lacks (each accepted or refused with its reason); create the default config."""
    if "--version" not in parser._option_string_actions:
        parser.add_argument("--version", action="version", version=version)
    add_compat_options(parser, runner)
    config_file.ensure_default_config([parser])


def default_argument_parser(jobstore_as_flag: bool = False) -> argparse.ArgumentParser:
    """A configargparse parser with Toil's options (Job.Runner.getDefaultArgumentParser)."""
    parser = config_file.new_parser()
    add_toil_options(parser, jobstore_as_flag=jobstore_as_flag)
    return parser


def default_options(job_store: str | None = None, jobstore_as_flag: bool = False) -> argparse.Namespace:
    parser = default_argument_parser(jobstore_as_flag=True)
    options = parser.parse_args([])
    options.jobStore = job_store
    return options


@dataclass
class Config:
    """The core's settings, read from the options namespace (Config.from_options)."""

    job_store: str
    restart: bool
    clean: str
    work_dir: str
    log_level: str
    log_file: str | None
    batch_system: str
    retry_count: int
    #: --retryBackoffSeconds, --retryBackoffFactor: the first retry waits seconds, each next one factor times more
    retry_backoff: tuple[float, float]
    #: --doubleMem
    double_memory: bool
    max_job_duration: float | None
    max_service_jobs: int
    #: start no new job once one has failed for good (a front-end's choice, e.g. CWL's --on-error stop)
    stop_on_failure: bool
    deadlock_wait: float
    deadlock_check_interval: float
    #: how often the leader looks for toil kill's flag (toil.core.control)
    kill_polling_interval: float
    disable_chaining: bool
    caching: bool
    stats: bool
    #: --trace: the file that gets a row per job attempt
    trace: str | None
    #: --report: the HTML report written when the run ends
    report: str | None
    environment: dict[str, str]
    #: the status line (toil.core.progress), the log's summaries, and --metrics (toil.core.metrics)
    disable_progress: bool
    progress_interval: float
    metrics: bool
    metrics_port: int
    metrics_wait: float
    max_cores: float | None
    max_memory: int | None
    max_disk: int | None
    defaults: Requirements
    log_options: logs.LogOptions
    #: --symlinkImports: local inputs linked into a file job store rather than copied
    link_imports: bool
    #: --moveOutputs: outputs moved out of a file job store rather than linked or copied
    move_outputs: bool
    #: the whole namespace: each plugin reads its own section from it
    options: argparse.Namespace
    #: the workflow's id: a new one per Config; a restart takes the stored workflow's
    workflow_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex[:16], compare=False)

    @property
    def workflowID(self) -> str:
        """Toil's name for the workflow's id."""
        return self.workflow_id

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> Config:
        apply_run_dir(options)
        job_store = vars(options).get("jobStore")
        if not job_store:
            raise ValueError("No job store given")
        stats = bool(STATS.value(options))
        return cls(
            job_store=str(job_store),
            double_memory=bool(DOUBLE_MEM.value(options)),
            retry_backoff=(float(RETRY_BACKOFF_SECONDS.value(options)), float(RETRY_BACKOFF_FACTOR.value(options))),
            restart=bool(RESTART.value(options)),
            clean=CLEAN.value(options) or ("never" if stats else "onSuccess"),
            work_dir=os.path.abspath(WORK_DIR.value(options) or os.environ.get("TOIL_WORKDIR")
                                     or tempfile.gettempdir()),
            log_level=LOG_LEVEL.value(options) or LOG_LEVEL.default,
            log_file=LOG_FILE.value(options),
            batch_system=BATCH_SYSTEM.value(options) or BATCH_SYSTEM.default,
            retry_count=int(RETRY_COUNT.value(options)),
            max_job_duration=MAX_JOB_DURATION.value(options),
            max_service_jobs=int(MAX_SERVICE_JOBS.value(options)),
            stop_on_failure=bool(vars(options).get("stopOnFailure", False) or STOP_ON_FIRST_FAILURE.value(options)),
            deadlock_wait=float(DEADLOCK_WAIT.value(options)),
            deadlock_check_interval=float(DEADLOCK_CHECK_INTERVAL.value(options)),
            kill_polling_interval=float(KILL_POLLING_INTERVAL.value(options) or KILL_POLLING_INTERVAL.default),
            disable_chaining=bool(DISABLE_CHAINING.value(options)),
            caching=bool(CACHING.value(options)),
            stats=stats,
            trace=TRACE.value(options),
            report=REPORT.value(options),
            environment=_environment(SET_ENV.value(options) or []),
            disable_progress=bool(DISABLE_PROGRESS.value(options)),
            progress_interval=float(PROGRESS_INTERVAL.value(options)),
            metrics=bool(METRICS.value(options)),
            metrics_port=int(METRICS_PORT.value(options)),
            metrics_wait=float(METRICS_WAIT.value(options)),
            max_cores=MAX_CORES.value(options),
            max_memory=MAX_MEMORY.value(options),
            max_disk=MAX_DISK.value(options),
            defaults=_default_requirements(options),
            log_options=logs.LogOptions.from_options(options),
            link_imports=bool(SYMLINK_IMPORTS.value(options)),
            move_outputs=bool(MOVE_OUTPUTS.value(options)),
            options=options,
        )


def apply_run_dir(options: argparse.Namespace) -> None:
    """--runDir DIR: the job store (DIR/jobstore-<random>, a fresh one per run) and --workDir (DIR/work) default
    to places in DIR; options given explicitly win (Toil's --runDir)."""
    run_dir = RUN_DIR.value(options)
    if not run_dir:
        return
    run_dir = os.path.abspath(run_dir)
    os.makedirs(run_dir, exist_ok=True)
    if not vars(options).get("jobStore"):
        options.jobStore = os.path.join(run_dir, f"jobstore-{uuid.uuid4().hex}")
    if not WORK_DIR.value(options):
        options.workDir = os.path.join(run_dir, "work")
        os.makedirs(options.workDir, exist_ok=True)
    options.runDir = run_dir


def _environment(pairs: list[tuple[str, str | None]]) -> dict[str, str]:
    """--setEnv NAME=VALUE, or NAME for the value it has here."""
    environment = {}
    for name, value in pairs:
        if value is None:
            if name not in os.environ:
                raise ValueError(f"--setEnv {name} has no value and {name} is not set here")
            value = os.environ[name]
        environment[name] = value
    return environment


def _default_requirements(options: argparse.Namespace) -> Requirements:
    return Requirements(
        cores=DEFAULT_CORES.value(options),
        memory=int(DEFAULT_MEMORY.value(options)),
        disk=int(DEFAULT_DISK.value(options)),
        accelerators=tuple(DEFAULT_ACCELERATORS.value(options) or ()),
        preemptible=bool(DEFAULT_PREEMPTIBLE.value(options)),
    )
