"""IBM Spectrum LSF: ``bsub``, ``bjobs``, ``bkill``.

NOT RUN AGAINST A LIVE LSF CLUSTER: no LSF daemons can run where this project is tested. The
command lines and parsers follow LSF 10.1's documentation and are tested on the documented
output (tests/unit/batch/test_grid_lsf.py); please report differences you meet.

One ``bjobs -a -noheader -o '... delimiter="|"' ID ...`` per poll reports every job of the
workflow, finished ones included (LSF keeps them for CLEAN_PERIOD, an hour by default).
Memory is ``-R rusage[mem=N]`` and ``-M N`` in MB (``LSF_UNIT_FOR_LIMITS=MB``, LSF's usual
setting); cores are ``-n N`` with ``span[hosts=1]``. Extra arguments come from
``TOIL_LSF_ARGS``. ``TERM_MEMLIMIT`` is reported as MEMLIMIT.
"""

from __future__ import annotations

import math
import re

from toil.batch.grid import GridBatchSystem, JobPhase, JobStatus, SubmitRequest
from toil.batch.grid_commands import CommandResult, split_args
from toil.batch.grid_options import env_default
from toil.core.batchsystem import BatchJobExitReason

MB = 1024 * 1024
BJOBS_FIELDS = "jobid stat exit_code run_time exit_reason"

PENDING = {"PEND", "PSUSP", "WAIT"}
RUNNING = {"RUN", "USUSP", "SSUSP", "PROV"}


def bsub_args(request: SubmitRequest, extra: list[str]) -> list[str]:
    """The bsub command for a job whose script comes on stdin."""
    req = request.requirements
    cores = max(1, math.ceil(req.cores - 1e-9))
    memory = max(1, math.ceil(req.memory / MB))
    argv = ["bsub", "-J", request.name, "-o", request.log_path, "-e", request.log_path, "-n", str(cores),
            "-R", f"span[hosts=1] rusage[mem={memory}]", "-M", str(memory)]
    if req.accelerator_count:
        argv += ["-gpu", f"num={req.accelerator_count}"]
    return argv + extra


_SUBMITTED = re.compile(r"Job <(\d+)> is submitted")


def parse_bsub(stdout: str) -> str:
    """``Job <1234> is submitted to default queue <normal>.``"""
    match = _SUBMITTED.search(stdout)
    if not match:
        raise ValueError(f"bsub printed no job id: {stdout.strip()!r}")
    return match.group(1)


def bjobs_args(job_ids: list[str]) -> list[str]:
    return ["bjobs", "-a", "-noheader", "-o", f"{BJOBS_FIELDS} delimiter='|'", *job_ids]


def _run_time(text: str) -> float | None:
    match = re.match(r"\s*(\d+(?:\.\d+)?)", text)
    return float(match.group(1)) if match else None


def status_from_bjobs(stat: str, exit_code: str, run_time: str, exit_reason: str) -> JobStatus:
    wall = _run_time(run_time)
    if stat in PENDING:
        return JobStatus(JobPhase.PENDING, detail=stat)
    if stat in RUNNING:
        return JobStatus(JobPhase.RUNNING, wall_time=wall, detail=stat)
    if stat == "DONE":
        return JobStatus(JobPhase.DONE, 0, BatchJobExitReason.FINISHED, wall)
    if stat in ("UNKWN", "ZOMBI"):
        return JobStatus(JobPhase.DONE, 255, BatchJobExitReason.LOST, wall, stat)
    code = int(exit_code) if exit_code.strip().isascii() and exit_code.strip().isdigit() else 1
    reason = BatchJobExitReason.FAILED
    if "MEMLIMIT" in exit_reason:
        reason = BatchJobExitReason.MEMLIMIT
    elif any(term in exit_reason for term in ("TERM_OWNER", "TERM_ADMIN", "TERM_FORCE", "TERM_RUNLIMIT",
                                               "TERM_REQUEUE", "killed")):
        reason = BatchJobExitReason.KILLED
    return JobStatus(JobPhase.DONE, code or 1, reason, wall, f"{stat} {exit_reason}".strip())


def parse_bjobs(stdout: str) -> dict[str, JobStatus]:
    """Parse ``bjobs -o 'jobid stat exit_code run_time exit_reason delimiter="|"'``."""
    out: dict[str, JobStatus] = {}
    for line in stdout.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) < 4 or not fields[0].isdigit():
            continue  # "Job <N> is not found" and the like
        job_id, stat, code, run_time = fields[:4]
        reason = fields[4] if len(fields) > 4 and fields[4] != "-" else ""
        out[job_id] = status_from_bjobs(stat, code, run_time, reason)
    return out


class LSFBatchSystem(GridBatchSystem):
    scheduler_name = "lsf"

    def submit_command(self, request: SubmitRequest) -> list[str]:
        return bsub_args(request, split_args(env_default("TOIL_LSF_ARGS")))

    def parse_submit(self, stdout: str) -> str:
        return parse_bsub(stdout)

    def status_command(self, scheduler_ids: list[str]) -> list[str]:
        return bjobs_args(scheduler_ids)

    def parse_status(self, stdout: str) -> dict[str, JobStatus]:
        return parse_bjobs(stdout)

    def status_failure_is_empty(self, result: CommandResult) -> bool:
        return "is not found" in result.stdout + result.stderr

    def kill_command(self, scheduler_ids: list[str]) -> list[str]:
        return ["bkill", *scheduler_ids]
