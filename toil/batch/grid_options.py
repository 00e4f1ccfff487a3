"""Options shared by the command-driven batch systems, and a helper to add options only once.

Every registered batch system's ``add_options`` is called on the same parser, so options that
several of them share (``--statePollingWait`` ...) are added by whichever comes first.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from toil.core.optiontypes import boolean, positive_count

DEFAULT_STATE_POLLING_WAIT = 1.0  # seconds between status queries, as in Toil


def has_option(parser: argparse.ArgumentParser, name: str) -> bool:
    return any(name in action.option_strings for action in parser._actions)


def group(parser: argparse.ArgumentParser, title: str) -> Any:
    """The parser's argument group with this title, created when missing."""
    for existing in parser._action_groups:
        if existing.title == title:
            return existing
    return parser.add_argument_group(title)


def add_once(target: Any, parser: argparse.ArgumentParser, *names: str, **kwargs: Any) -> None:
    """Add an option unless the parser already has one of these names."""
    if any(has_option(parser, name) for name in names):
        return
    target.add_argument(*names, **kwargs)


def env_default(name: str, default: Any = None) -> Any:
    """An option's default taken from an environment variable (Toil's TOIL_* variables)."""
    return os.environ.get(name, default)


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is negative")
    return value


def add_grid_options(parser: argparse.ArgumentParser) -> None:
    title = "Grid batch systems (slurm, grid_engine, lsf, torque, htcondor)"
    target = group(parser, title)
    add_once(target, parser, "--statePollingWait", dest="statePollingWait", type=_non_negative, default=None,
             help="Seconds between scheduler status queries; one query covers all jobs (default 1).")
    add_once(target, parser, "--batchLogsDir", dest="batchLogsDir", default=None,
             help="Directory the scheduler writes job logs to; must be reachable from the leader "
                  "(default: --workDir).")
    add_once(target, parser, "--disableAutoDeployment", dest="disableAutoDeployment", nargs="?", const=True,
             type=boolean, metavar="BOOL", default=False,
             help="Do not ship the user's script and the modules beside it to workers through "
                                 "the job store (they must then see them on a shared filesystem).")
    add_once(target, parser, "--maxJobs", dest="maxJobs", type=int, default=None,
             help="Most jobs submitted to the scheduler at once (default: no limit).")


def add_slurm_options(parser: argparse.ArgumentParser) -> None:
    add_grid_options(parser)
    target = group(parser, "Slurm")
    add_once(target, parser, "--slurmAllocateMem", dest="slurmAllocateMem", default=None, metavar="BOOL",
             help="Pass each job's memory to sbatch --mem (default true; env TOIL_SLURM_ALLOCATE_MEM).")
    add_once(target, parser, "--dont_allocate_mem", dest="slurmAllocateMem", action="store_const", const="false",
             default=argparse.SUPPRESS, help="Same as --slurmAllocateMem=false.")
    add_once(target, parser, "--allocate_mem", dest="slurmAllocateMem", action="store_const", const="true",
             default=argparse.SUPPRESS, help="Same as --slurmAllocateMem=true.")
    add_once(target, parser, "--slurmTime", dest="slurmTime", default=None,
             help="Time limit of every job, [DD-]HH:MM:SS (env TOIL_SLURM_TIME).")
    add_once(target, parser, "--slurmPartition", dest="slurmPartition", default=None,
             help="Partition to send jobs to (env TOIL_SLURM_PARTITION).")
    add_once(target, parser, "--slurmQOS", dest="slurm_qos", default=None,
             help="Quality of service asked of sbatch (--qos) for every job (env TOIL_SLURM_QOS).")
    add_once(target, parser, "--slurmGPUQOS", dest="slurm_gpu_qos", default=None,
             help="Quality of service for jobs that ask for GPUs (env TOIL_SLURM_GPU_QOS).")
    add_once(target, parser, "--slurmGPUPartition", dest="slurmGPUPartition", default=None,
             help="Partition for jobs that ask for GPUs (env TOIL_SLURM_GPU_PARTITION).")
    add_once(target, parser, "--slurmPE", dest="slurmPE", default=None,
             help="Partition for jobs that ask for more than one core (env TOIL_SLURM_PE).")
    add_once(target, parser, "--slurmArgs", dest="slurmArgs", default=None,
             help="Extra sbatch arguments, one string (env TOIL_SLURM_ARGS).")
    add_once(target, parser, "--slurmBatchJobs", dest="slurmBatchJobs", type=positive_count, default=None,
             help="Most jobs one sbatch carries: jobs of the same size issued together share submissions, "
                  "run by one batch script within its allocation; 1 submits each job alone (default 64; "
                  "env TOIL_SLURM_BATCH_JOBS; always 1 under --maxJobDuration).")


def add_grid_engine_options(parser: argparse.ArgumentParser) -> None:
    add_grid_options(parser)
    target = group(parser, "Grid Engine")
    add_once(target, parser, "--manualMemArgs", dest="manualMemArgs", action="store_true", default=False,
             help="Do not ask qsub for h_vmem; TOIL_GRIDENGINE_ARGS says how to ask for memory.")


@dataclass(frozen=True)
class GridSettings:
    state_polling_wait: float
    batch_logs_dir: str
    max_jobs: int | None
    disable_auto_deployment: bool = False

    @classmethod
    def from_options(cls, options: argparse.Namespace, work_dir: str) -> GridSettings:
        get = options.__dict__.get
        wait = get("statePollingWait")
        max_jobs = get("maxJobs")
        return cls(
            state_polling_wait=DEFAULT_STATE_POLLING_WAIT if wait is None else float(wait),
            batch_logs_dir=os.path.abspath(get("batchLogsDir") or work_dir),
            max_jobs=int(max_jobs) if max_jobs else None,
            disable_auto_deployment=bool(get("disableAutoDeployment")),
        )
