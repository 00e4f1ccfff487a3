"""(Son of / Univa / Altair) Grid Engine: ``qsub``, ``qstat``, ``qacct``, ``qdel``.

One ``qstat -xml`` per poll lists the pending and running jobs; Grid Engine forgets a job as
soon as it ends, so jobs missing from it are looked up with ONE ``qacct -j 'toil_<run>_*'`` (a
job-name pattern that covers every job of this workflow), only in polls where some are missing.
The accounting record can lag the end of a job by a few seconds; such jobs stay pending here
until it appears.

Cores above one use a parallel environment (``-pe $TOIL_GRIDENGINE_PE N``, default ``smp``);
memory is ``-l h_vmem`` per slot (the job's memory divided by its slots), unless
``--manualMemArgs`` (then ``TOIL_GRIDENGINE_ARGS`` must say how to ask for memory). Extra
arguments come from ``TOIL_GRIDENGINE_ARGS``. A job whose peak virtual memory reached its
``h_vmem`` and that failed is reported MEMLIMIT.
"""

from __future__ import annotations

import argparse
import logging
import math
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from toil.batch.grid import GridBatchSystem, JobPhase, JobStatus, SubmitRequest
from toil.batch.grid_commands import CommandResult, split_args
from toil.batch.grid_options import add_grid_engine_options, env_default
from toil.core.batchsystem import BatchJobExitReason
from toil.core.requirements import human2bytes

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
DEFAULT_PE = "smp"


@dataclass(frozen=True)
class GridEngineOptions:
    pe: str = DEFAULT_PE
    manual_mem_args: bool = False
    args: tuple[str, ...] = ()

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> GridEngineOptions:
        get = options.__dict__.get
        return cls(
            pe=env_default("TOIL_GRIDENGINE_PE") or DEFAULT_PE,
            manual_mem_args=bool(get("manualMemArgs")),
            args=tuple(split_args(env_default("TOIL_GRIDENGINE_ARGS"))),
        )


def qsub_args(request: SubmitRequest, options: GridEngineOptions) -> list[str]:
    """The qsub command for a job whose script comes on stdin."""
    req = request.requirements
    slots = max(1, math.ceil(req.cores - 1e-9))
    argv = ["qsub", "-terse", "-N", request.name, "-o", request.log_path, "-j", "y", "-V", "-cwd", "-S", "/bin/sh"]
    if slots > 1:
        argv += ["-pe", options.pe, str(slots)]
    resources = []
    if not options.manual_mem_args:
        resources.append(f"h_vmem={max(1, math.ceil(req.memory / slots / MIB))}M")
    if req.accelerator_count:
        resources.append(f"gpu={req.accelerator_count}")
    if resources:
        argv += ["-l", ",".join(resources)]
    return argv + list(options.args)


def parse_qsub(stdout: str) -> str:
    """``qsub -terse`` prints the job id (``ID.1-N:1`` for arrays)."""
    for line in stdout.splitlines():
        job_id = line.strip().split(".")[0]
        if job_id.isdigit():
            return job_id
    raise ValueError(f"qsub printed no job id: {stdout.strip()!r}")


def qstat_args() -> list[str]:
    return ["qstat", "-xml"]


def status_from_qstat_state(state: str) -> JobStatus:
    """Map qstat's state letters (qw, hqw, r, t, Rr, s, dr, Eqw ...) onto a JobStatus."""
    if "E" in state:
        return JobStatus(JobPhase.DONE, 1, BatchJobExitReason.ERROR, detail=f"qstat state {state}", stuck=True)
    if "d" in state:
        return JobStatus(JobPhase.RUNNING, detail=f"qstat state {state}")  # being deleted, still there
    if any(letter in state for letter in "rtR") or state in ("s", "S", "T"):
        return JobStatus(JobPhase.RUNNING, detail=state)
    return JobStatus(JobPhase.PENDING, detail=state)


def parse_qstat_xml(stdout: str) -> dict[str, JobStatus]:
    """Parse ``qstat -xml`` (queue_info and job_info job lists alike)."""
    if not stdout.strip():
        return {}
    root = ElementTree.fromstring(stdout)
    out: dict[str, JobStatus] = {}
    for job in root.iter("job_list"):
        number = job.findtext("JB_job_number")
        state = job.findtext("state") or ""
        if number:
            out[number.strip()] = status_from_qstat_state(state.strip())
    return out


def qacct_args(run_pattern: str) -> list[str]:
    return ["qacct", "-j", run_pattern]


def _seconds(text: str) -> float | None:
    text = text.strip().rstrip("s")
    try:
        return float(text)
    except ValueError:
        return None


def _vmem_limit(category: str) -> int | None:
    for part in category.replace(",", " ").split():
        if part.startswith("h_vmem="):
            try:
                return human2bytes(part.split("=", 1)[1].replace("M", "Mi").replace("G", "Gi").replace("K", "Ki"))
            except ValueError:
                return None
    return None


def _bytes(text: str) -> int | None:
    text = text.strip()
    try:
        units = {"K": 1024, "M": MIB, "G": 1024 * MIB, "T": 1024 * 1024 * MIB}
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(float(text))
    except ValueError:
        return None


def status_from_qacct(record: dict[str, str]) -> JobStatus:
    """One qacct record (key -> value) as a finished JobStatus."""
    exit_status = int(record.get("exit_status", "0").split()[0] or 0)
    failed = record.get("failed", "0").split()[0]
    wall = _seconds(record.get("ru_wallclock", ""))
    detail = f"failed {record.get('failed', '0')}".strip()
    reason = BatchJobExitReason.FINISHED if exit_status == 0 and failed == "0" else BatchJobExitReason.FAILED
    if failed != "0" and exit_status > 128:
        exit_status = -(exit_status - 128)  # killed by a signal
        reason = BatchJobExitReason.KILLED
    elif failed != "0" and exit_status == 0:
        exit_status, reason = 1, BatchJobExitReason.ERROR  # never ran (e.g. a bad -o path)
    limit, peak = _vmem_limit(record.get("category", "")), _bytes(record.get("maxvmem", ""))
    if reason is not BatchJobExitReason.FINISHED and limit and peak is not None and peak >= 0.95 * limit:
        reason = BatchJobExitReason.MEMLIMIT
    return JobStatus(JobPhase.DONE, exit_status, reason, wall, detail)


def parse_qacct(stdout: str) -> dict[str, JobStatus]:
    """Parse ``qacct -j`` records (separated by lines of '=')."""
    out: dict[str, JobStatus] = {}
    record: dict[str, str] = {}
    for line in [*stdout.splitlines(), "====="]:
        if line.startswith("====="):
            if "jobnumber" in record:
                out[record["jobnumber"]] = status_from_qacct(record)
            record = {}
            continue
        key, _, value = line.partition(" ")
        if key:
            record[key] = value.strip()
    return out


class GridEngineBatchSystem(GridBatchSystem):
    scheduler_name = "grid_engine"

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        add_grid_engine_options(parser)

    @property
    def options(self) -> GridEngineOptions:
        if not hasattr(self, "_options"):
            self._options = GridEngineOptions.from_options(self.settings.options)
            if self._options.manual_mem_args and not self._options.args:
                logger.warning("--manualMemArgs without TOIL_GRIDENGINE_ARGS: jobs ask for no memory at all")
        return self._options

    def submit_command(self, request: SubmitRequest) -> list[str]:
        return qsub_args(request, self.options)

    def parse_submit(self, stdout: str) -> str:
        return parse_qsub(stdout)

    def status_command(self, scheduler_ids: list[str]) -> list[str]:
        return qstat_args()

    def parse_status(self, stdout: str) -> dict[str, JobStatus]:
        return parse_qstat_xml(stdout)

    def kill_command(self, scheduler_ids: list[str]) -> list[str]:
        return ["qdel", *scheduler_ids]

    def refused_for_good(self, result: CommandResult) -> bool:
        return "Unable to run job" in result.stderr or "denied" in result.stderr

    def accounting(self, scheduler_ids: list[str]) -> dict[str, JobStatus]:
        result = self.runner(qacct_args(f"toil_{self.run_id}_*"))
        if not result.ok:
            return {}  # no accounting file yet, or no job of ours in it yet: ask again next poll
        found = parse_qacct(result.stdout)
        return {sid: found[sid] for sid in scheduler_ids if sid in found}

    def node_hosts(self) -> list[str] | None:
        result = self.runner(["qconf", "-sel"])
        hosts = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        return hosts if result.ok and hosts else None

