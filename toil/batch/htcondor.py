"""HTCondor: ``condor_submit``, ``condor_q``, ``condor_history``, ``condor_rm``.

NOT RUN AGAINST A LIVE HTCONDOR POOL: no HTCondor daemons can run where this project is
tested. The submit description and parsers follow HTCondor 10's documentation and are tested
on the documented output (tests/unit/batch/test_grid_htcondor.py); please report differences.

Driven by commands, like the other grid batch systems (not by the Python bindings): the job
script is written next to its log and submitted with a description on stdin
(``condor_submit -terse -``). One ``condor_q -af:j ...`` per poll reports queued and running
jobs; jobs that left the queue are read with one ``condor_history -constraint`` for all of
them. A held job (status 5) is reported as failed, MEMLIMIT when held for exceeding its
memory; ``TOIL_HTCONDOR_PARAMS`` adds ``key = value`` lines (separated by ``;``) to the description.
"""

from __future__ import annotations

import math
import os

from toil.batch.grid import GridBatchSystem, JobPhase, JobStatus, SubmitRequest
from toil.batch.grid_options import env_default
from toil.core.batchsystem import BatchJobExitReason

MB = 1024 * 1024
ATTRIBUTES = ["JobStatus", "ExitCode", "ExitBySignal", "ExitSignal", "RemoteWallClockTime", "HoldReasonCode"]
MEMORY_HOLD_CODES = {"34"}  # "memory usage exceeded request_memory"


def submit_description(request: SubmitRequest, script_path: str, params: str | None) -> str:
    """The condor_submit description of one job."""
    req = request.requirements
    lines = [
        "universe = vanilla",
        f"executable = {script_path}",
        f"output = {request.log_path}",
        f"error = {request.log_path}",
        "log = ",
        "getenv = True",
        f"batch_name = {request.name}",
        f"request_cpus = {max(1, math.ceil(req.cores - 1e-9))}",
        f"request_memory = {max(1, math.ceil(req.memory / MB))}",
        f"request_disk = {max(1, math.ceil(req.disk / 1024))}",
    ]
    if req.accelerator_count:
        lines.append(f"request_gpus = {req.accelerator_count}")
    for param in (params or "").split(";"):
        if param.strip():
            lines.append(param.strip())
    return "\n".join([*lines, "queue 1", ""])


def parse_condor_submit(stdout: str) -> str:
    """``condor_submit -terse`` prints ``12.0 - 12.0``; the job id is ``12.0``."""
    for line in stdout.splitlines():
        first = line.strip().split(" ")[0]
        if first and first[0].isdigit() and "." in first:
            return first
    raise ValueError(f"condor_submit printed no job id: {stdout.strip()!r}")


def _cluster(job_id: str) -> str:
    return job_id.split(".")[0]


def condor_q_args(job_ids: list[str]) -> list[str]:
    return ["condor_q", *sorted({_cluster(j) for j in job_ids}), "-af:j", *ATTRIBUTES]


def condor_history_args(job_ids: list[str]) -> list[str]:
    constraint = " || ".join(f"ClusterId == {c}" for c in sorted({_cluster(j) for j in job_ids}))
    return ["condor_history", "-constraint", constraint, "-af:j", *ATTRIBUTES]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def status_from_ad(values: list[str]) -> JobStatus:
    status, exit_code, by_signal, signal, wall, hold = (values + ["undefined"] * 6)[:6]
    wall_time = _number(wall)
    if status in ("1",):
        return JobStatus(JobPhase.PENDING, detail="idle")
    if status in ("2", "6", "7"):
        return JobStatus(JobPhase.RUNNING, wall_time=wall_time, detail=f"status {status}")
    if status == "5":
        reason = BatchJobExitReason.MEMLIMIT if hold in MEMORY_HOLD_CODES else BatchJobExitReason.ERROR
        return JobStatus(JobPhase.DONE, 1, reason, wall_time, f"held (code {hold})")
    if status == "3":
        return JobStatus(JobPhase.DONE, -15, BatchJobExitReason.KILLED, wall_time, "removed")
    if by_signal.lower() == "true":
        code = -int(_number(signal) or 9)
        return JobStatus(JobPhase.DONE, code, BatchJobExitReason.KILLED, wall_time, f"signal {-code}")
    code = int(_number(exit_code) or 0)
    return JobStatus(JobPhase.DONE, code, BatchJobExitReason.FINISHED if code == 0 else BatchJobExitReason.FAILED,
                     wall_time)


def parse_condor_ads(stdout: str) -> dict[str, JobStatus]:
    """Parse ``-af:j JobStatus ExitCode ExitBySignal ExitSignal RemoteWallClockTime HoldReasonCode``."""
    out: dict[str, JobStatus] = {}
    for line in stdout.splitlines():
        fields = line.split()
        if len(fields) >= 2 and "." in fields[0] and fields[0][0].isdigit():
            out[fields[0]] = status_from_ad(fields[1:])
    return out


class HTCondorBatchSystem(GridBatchSystem):
    scheduler_name = "htcondor"

    def _script_path(self, request: SubmitRequest) -> str:
        return os.path.splitext(request.log_path)[0] + ".sh"

    def submit_command(self, request: SubmitRequest) -> list[str]:
        path = self._script_path(request)
        with open(path, "w") as handle:
            handle.write(request.script)
        os.chmod(path, 0o755)
        return ["condor_submit", "-terse", "-"]

    def submit_input(self, request: SubmitRequest) -> str:
        return submit_description(request, self._script_path(request), env_default("TOIL_HTCONDOR_PARAMS"))

    def parse_submit(self, stdout: str) -> str:
        return parse_condor_submit(stdout)

    def status_command(self, scheduler_ids: list[str]) -> list[str]:
        return condor_q_args(scheduler_ids)

    def parse_status(self, stdout: str) -> dict[str, JobStatus]:
        return parse_condor_ads(stdout)

    def accounting(self, scheduler_ids: list[str]) -> dict[str, JobStatus]:
        result = self.runner(condor_history_args(scheduler_ids))
        return parse_condor_ads(result.stdout) if result.ok else {}

    def kill_command(self, scheduler_ids: list[str]) -> list[str]:
        return ["condor_rm", *scheduler_ids]
