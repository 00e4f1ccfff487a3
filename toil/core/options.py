"""Toil's command-line options and the Config the core reads from them.

Core options live here; each batch system adds its own section through its
``add_options`` (reached by name through core.plugins), and the core never names a
backend's fields.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

from toil.core import logs, plugins
from toil.core.optiontypes import boolean, cores, count, duration, env_pair, log_level, size
from toil.core.requirements import RequirementError, Requirements, human2bytes, parse_accelerator, parse_bool
from toil.core.services import DEFAULT_DEADLOCK_CHECK_INTERVAL, DEFAULT_DEADLOCK_WAIT

CLEAN_CHOICES = ("always", "onError", "never", "onSuccess")
DEFAULT_KILL_POLLING_INTERVAL = 5.0


#: Boolean options that take an optional value (see _flag and _give_flags_their_values).
_FLAGS: set[str] = set()


def _flag(group: Any, *names: str, help: str) -> None:
    """A boolean option used as ``--x``, ``--x true`` or ``--x=false`` (Toil's spellings)."""
    _FLAGS.update(names)
    group.add_argument(*names, nargs="?", const=True, default=False, type=boolean, metavar="BOOL", help=help)


def _is_boolean_word(word: str) -> bool:
    try:
        parse_bool(word)
    except RequirementError:
        return False
    return True


def _give_flags_their_values(words: list[str]) -> list[str]:
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
        if word in _FLAGS and following is not None and not following.startswith("-") \
                and not _is_boolean_word(following):
            word = f"{word}=true"
        out.append(word)
    return out


def _parse_flags_first(parser: argparse.ArgumentParser) -> None:
    """Make the parser apply _give_flags_their_values to whatever it parses."""
    parse = parser.parse_known_args

    def parse_known_args(args: Any = None, namespace: Any = None) -> tuple[argparse.Namespace, list[str]]:
        words = sys.argv[1:] if args is None else list(args)
        return parse(_give_flags_their_values(words), namespace)

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign,assignment]


def _add_logging(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Logging")
    for level in ("Off", "Critical", "Error", "Warning", "Info", "Debug"):
        # The first action of a dest sets its default: INFO, like --logLevel's.
        group.add_argument(f"--log{level}", dest="logLevel", action="store_const", const=level.upper(),
                           default="INFO", help=f"Same as --logLevel={level.upper()}.")
    group.add_argument("--logLevel", type=log_level, default="INFO", help="Log level of the leader (default INFO).")
    group.add_argument("--logFile", default=None, help="Also write the leader's log to this file.")


def _add_core(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Core")
    group.add_argument("--workDir", default=None, help="Where jobs get temporary directories (default: the system's).")
    group.add_argument("--clean", choices=CLEAN_CHOICES, default=None,
                       help="When to delete the job store: always, onError, never or onSuccess (default).")
    _flag(group, "--restart", help="Resume the workflow in an existing job store.")
    _flag(group, "--stats", help="Keep statistics in the job store (implies --clean=never).")
    group.add_argument("--batchSystem", default="single_machine",
                       help=f"Where jobs run: {', '.join(plugins.batch_system_names())} (default single_machine).")
    group.add_argument("--retryCount", type=count, default=1, help="How many times to retry a failed job (default 1).")
    group.add_argument("--maxJobDuration", type=duration, default=None,
                       help="Kill a job that runs longer than this many seconds (and retry it).")
    _flag(group, "--disableChaining", help="Never run a job's sole successor in the same worker.")
    _flag(group, "--caching", help="Share files read by the jobs of a machine in a cache (default false).")
    group.add_argument("--maxServiceJobs", type=count, default=sys.maxsize,
                       help="How many services may run at once (default: no limit).")
    group.add_argument("--deadlockWait", type=duration, default=DEFAULT_DEADLOCK_WAIT,
                       help="Seconds only services may run, with other jobs waiting, before the workflow "
                            "stops with a deadlock (default %(default)g).")
    group.add_argument("--deadlockCheckInterval", type=duration, default=DEFAULT_DEADLOCK_CHECK_INTERVAL,
                       help="Seconds between checks for a deadlock (default %(default)g).")
    group.add_argument("--setEnv", "-e", dest="environment", action="append", type=env_pair, default=[],
                       metavar="NAME=VALUE", help="Set an environment variable for every job.")


def _add_resources(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Resources")
    group.add_argument("--maxCores", type=cores, default=None, help="Cores used at once by all jobs.")
    group.add_argument("--maxMemory", type=size, default=None, help="Memory used at once by all jobs.")
    group.add_argument("--maxDisk", type=size, default=None, help="Disk used at once by all jobs.")
    group.add_argument("--defaultCores", type=cores, default=1.0, help="Cores of a job that names none (1).")
    group.add_argument("--defaultMemory", type=size, default=human2bytes("2Gi"), help="Memory of a job (2Gi).")
    group.add_argument("--defaultDisk", type=size, default=human2bytes("2Gi"), help="Disk of a job (2Gi).")
    group.add_argument("--defaultAccelerators", type=parse_accelerator, action="append", default=[],
                       help="Accelerators of a job that names none.")
    group.add_argument("--defaultPreemptible", "--defaultPreemptable", dest="defaultPreemptible", nargs="?",
                       const=True, default=False, type=boolean, metavar="BOOL",
                       help="Whether jobs may run on preemptible nodes by default.")


def _add_reporting(parser: argparse.ArgumentParser) -> None:
    """Log management (toil.core.logs) and toil kill's polling (toil.core.control)."""
    logs.add_log_options(parser)
    parser.add_argument("--kill_polling_interval", "--killPollingInterval", dest="kill_polling_interval",
                        type=float, default=DEFAULT_KILL_POLLING_INTERVAL, metavar="SECONDS",
                        help="How often the leader looks for the kill flag set by toil kill (default 5).")


def add_toil_options(parser: Any, jobstore_as_flag: bool = False) -> None:
    """Add Toil's options to an ArgumentParser (Job.Runner.addToilOptions)."""
    if not isinstance(parser, argparse.ArgumentParser):
        raise TypeError("addToilOptions needs an argparse.ArgumentParser")
    if jobstore_as_flag:
        parser.add_argument("--jobStore", "--jobstore", dest="jobStore", default=None,
                            help="The job store: a path, file:PATH or aws:REGION:NAME.")
    else:
        parser.add_argument("jobStore", help="The job store: a path, file:PATH or aws:REGION:NAME.")
    _add_logging(parser)
    _parse_flags_first(parser)
    _add_core(parser)
    _add_resources(parser)
    _add_reporting(parser)
    plugins.add_plugin_options(parser)


def default_argument_parser(jobstore_as_flag: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_toil_options(parser, jobstore_as_flag=jobstore_as_flag)
    return parser


def default_options(job_store: str | None = None, jobstore_as_flag: bool = False) -> argparse.Namespace:
    parser = default_argument_parser(jobstore_as_flag=True)
    options = parser.parse_args([])
    options.jobStore = job_store
    return options


@dataclass
class Config:
    """The core's settings, read from the options namespace."""

    job_store: str
    restart: bool = False
    clean: str = "onSuccess"
    work_dir: str = field(default_factory=tempfile.gettempdir)
    log_level: str = "INFO"
    log_file: str | None = None
    batch_system: str = "single_machine"
    retry_count: int = 1
    max_job_duration: float | None = None
    max_service_jobs: int = sys.maxsize
    #: start no new job once one has failed for good (a front-end's choice, e.g. CWL's --on-error stop)
    stop_on_failure: bool = False
    deadlock_wait: float = DEFAULT_DEADLOCK_WAIT
    deadlock_check_interval: float = DEFAULT_DEADLOCK_CHECK_INTERVAL
    #: how often the leader looks for toil kill's flag (toil.core.control)
    kill_polling_interval: float = DEFAULT_KILL_POLLING_INTERVAL
    disable_chaining: bool = False
    caching: bool = False
    stats: bool = False
    environment: dict[str, str] = field(default_factory=dict)
    max_cores: float | None = None
    max_memory: int | None = None
    max_disk: int | None = None
    defaults: Requirements = field(default_factory=Requirements)
    options: argparse.Namespace = field(default_factory=argparse.Namespace)

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> Config:
        get = options.__dict__.get
        if not get("jobStore"):
            raise ValueError("No job store given")
        stats = bool(get("stats", False))
        clean = get("clean") or ("never" if stats else "onSuccess")
        environment = {}
        for name, value in get("environment") or []:
            if value is None:
                if name not in os.environ:
                    raise ValueError(f"--setEnv {name} has no value and {name} is not set here")
                value = os.environ[name]
            environment[name] = value
        return cls(
            job_store=str(get("jobStore")),
            restart=bool(get("restart", False)),
            clean=clean,
            work_dir=os.path.abspath(get("workDir") or tempfile.gettempdir()),
            log_level=get("logLevel") or "INFO",
            log_file=get("logFile"),
            batch_system=get("batchSystem") or "single_machine",
            retry_count=int(get("retryCount", 1)),
            max_job_duration=get("maxJobDuration"),
            max_service_jobs=int(get("maxServiceJobs", sys.maxsize)),
            stop_on_failure=bool(get("stopOnFailure", False)),
            deadlock_wait=float(get("deadlockWait", DEFAULT_DEADLOCK_WAIT)),
            deadlock_check_interval=float(get("deadlockCheckInterval", DEFAULT_DEADLOCK_CHECK_INTERVAL)),
            kill_polling_interval=float(get("kill_polling_interval") or DEFAULT_KILL_POLLING_INTERVAL),
            disable_chaining=bool(get("disableChaining", False)),
            caching=bool(get("caching", False)),
            stats=stats,
            environment=environment,
            max_cores=get("maxCores"),
            max_memory=get("maxMemory"),
            max_disk=get("maxDisk"),
            defaults=Requirements(
                cores=float(get("defaultCores", 1.0)),
                memory=int(get("defaultMemory", human2bytes("2Gi"))),
                disk=int(get("defaultDisk", human2bytes("2Gi"))),
                accelerators=tuple(get("defaultAccelerators") or ()),
                preemptible=bool(get("defaultPreemptible", False)),
            ),
            options=options,
        )
