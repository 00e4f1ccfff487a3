"""Torque (PBS): ``qsub``, ``qstat -x``, ``qdel``.

NOT RUN AGAINST A LIVE TORQUE SERVER: no Torque daemons can run where this project is tested.
The command lines and parsers follow Torque 6's documentation and are tested on the
documented output (tests/unit/batch/test_grid_torque.py); please report differences you meet.

One ``qstat -f -x ID ...`` per poll reports every job of the workflow as XML, finished ones
(state C) included while the server keeps them (``keep_completed``). Resources are
``-l nodes=1:ppn=N,mem=XMB``; ``TOIL_TORQUE_REQS`` adds to that list and ``TOIL_TORQUE_ARGS``
adds arguments. Exit statuses above 256 mean a signal (status - 256) and are reported KILLED.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree

from toil.batch.grid import GridBatchSystem, JobPhase, JobStatus, SubmitRequest
from toil.batch.grid_commands import CommandResult, parse_duration, split_args
from toil.batch.grid_options import env_default
from toil.core.batchsystem import BatchJobExitReason

MB = 1024 * 1024
NAME_LIMIT = 15  # Torque before 6 truncates job names to 15 characters


def torque_qsub_args(request: SubmitRequest, reqs: str | None, extra: list[str]) -> list[str]:
    """The qsub command for a job whose script comes on stdin."""
    req = request.requirements
    cores = max(1, math.ceil(req.cores - 1e-9))
    resources = f"nodes=1:ppn={cores},mem={max(1, math.ceil(req.memory / MB))}mb"
    if req.accelerator_count:
        resources = f"nodes=1:ppn={cores}:gpus={req.accelerator_count},mem={max(1, math.ceil(req.memory / MB))}mb"
    if reqs:
        resources += f",{reqs}"
    return ["qsub", "-N", request.name[:NAME_LIMIT], "-o", request.log_path, "-j", "oe", "-V",
            "-l", resources, *extra]


def parse_torque_qsub(stdout: str) -> str:
    """qsub prints ``123.server.example.org``; the job id is the whole line."""
    for line in stdout.splitlines():
        if line.strip() and line.strip()[0].isdigit():
            return line.strip()
    raise ValueError(f"qsub printed no job id: {stdout.strip()!r}")


def torque_qstat_args(job_ids: list[str]) -> list[str]:
    return ["qstat", "-f", "-x", *job_ids]


def status_from_torque(state: str, exit_status: str | None, walltime: str | None) -> JobStatus:
    wall = parse_duration(walltime) if walltime else None
    if state in ("Q", "H", "W", "T", "S"):
        return JobStatus(JobPhase.PENDING, detail=state)
    if state in ("R", "E"):
        return JobStatus(JobPhase.RUNNING, wall_time=wall, detail=state)
    code = int(exit_status) if exit_status and exit_status.lstrip("-").isdigit() else 0
    if code > 256:
        return JobStatus(JobPhase.DONE, -(code - 256), BatchJobExitReason.KILLED, wall, f"signal {code - 256}")
    if code < 0:  # JOB_EXEC_* codes: Torque could not start or keep the job
        return JobStatus(JobPhase.DONE, 1, BatchJobExitReason.ERROR, wall, f"exec status {code}")
    reason = BatchJobExitReason.FINISHED if code == 0 else BatchJobExitReason.FAILED
    return JobStatus(JobPhase.DONE, code, reason, wall)


def parse_torque_qstat(stdout: str) -> dict[str, JobStatus]:
    """Parse ``qstat -f -x`` (``<Data><Job><Job_Id>...</Job>...</Data>``)."""
    if not stdout.strip():
        return {}
    out: dict[str, JobStatus] = {}
    for job in ElementTree.fromstring(stdout).iter("Job"):
        job_id = (job.findtext("Job_Id") or "").strip()
        if job_id:
            out[job_id] = status_from_torque((job.findtext("job_state") or "").strip(), job.findtext("exit_status"),
                                             job.findtext("resources_used/walltime"))
    return out


class TorqueBatchSystem(GridBatchSystem):
    scheduler_name = "torque"

    def submit_command(self, request: SubmitRequest) -> list[str]:
        return torque_qsub_args(request, env_default("TOIL_TORQUE_REQS"), split_args(env_default("TOIL_TORQUE_ARGS")))

    def parse_submit(self, stdout: str) -> str:
        return parse_torque_qsub(stdout)

    def status_command(self, scheduler_ids: list[str]) -> list[str]:
        return torque_qstat_args(scheduler_ids)

    def parse_status(self, stdout: str) -> dict[str, JobStatus]:
        return parse_torque_qstat(stdout)

    def status_failure_is_empty(self, result: CommandResult) -> bool:
        return "Unknown Job Id" in result.stderr

    def kill_command(self, scheduler_ids: list[str]) -> list[str]:
        return ["qdel", *scheduler_ids]
