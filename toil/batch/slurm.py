"""Slurm: ``sbatch`` to submit, ``squeue`` to poll, ``sacct`` for jobs gone from the queue, ``scancel``.

One ``squeue --states=all`` per poll reports every job of the workflow, finished ones included
(Slurm keeps them for ``MinJobAge``, 300 s by default) with their exit codes, so no per-job
``scontrol show job`` is ever needed: it would show the same jobs as that one squeue. Jobs
that left the controller's memory are looked up with one ``sacct`` for all of them, and with
``sacct -c`` (the job-completion file) where accounting storage is off.

Requirements become ``--cpus-per-task`` (cores rounded up), ``--mem`` in MiB (per job, unless
``--slurmAllocateMem=false``), ``--tmp`` (only when the nodes declare TmpDisk), ``--gres=gpu``
and ``--time``/``--partition`` from Toil's options; ``--slurmArgs`` / ``TOIL_SLURM_ARGS`` add
arguments, and a ``--time``, ``--partition`` or ``--mem`` given there replaces Toil's own.

Jobs of the same size issued together share submissions (``toil.batch.packs``): at most
``--slurmBatchJobs`` (default 64) per ``sbatch``, whose allocation holds as many of them at once as
fit the largest node; ``--slurmBatchJobs 1``, or ``--maxJobDuration``, submits each job alone.

Memory kills are reported as MEMLIMIT whether Slurm enforces memory with cgroups (state
OUT_OF_MEMORY) or with ``JobAcctGatherParams=OverMemoryKill`` (the job FAILS by SIGKILL and
its log says "Exceeded job memory limit").
"""

from __future__ import annotations

import argparse
import logging
import math
from dataclasses import dataclass

from toil.batch.grid import GridBatchSystem, JobPhase, JobStatus, SubmitRequest
from toil.batch.grid_commands import (
    CommandResult,
    exit_status_from_wait,
    parse_duration,
    run_with_retries,
    split_args,
)
from toil.batch.grid_options import add_slurm_options, env_default
from toil.batch.packs import DEFAULT_JOBS_PER_PACK
from toil.core.batchsystem import BatchJobExitReason, BatchJobSpec, BatchSystemError, InsufficientSystemResources
from toil.core.requirements import bytes2human, parse_bool

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
SQUEUE_FIELDS = "JobID:|,State:|,exit_code:|,TimeUsed:|,Reason:|"

PENDING_STATES = {"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED",
                  "SPECIAL_EXIT", "RESV_DEL_HOLD"}
RUNNING_STATES = {"RUNNING", "COMPLETING", "STOPPED", "SIGNALING", "STAGE_OUT"}
DONE_REASONS = {
    "COMPLETED": None,
    "FAILED": BatchJobExitReason.FAILED,
    "CANCELLED": BatchJobExitReason.KILLED,
    "TIMEOUT": BatchJobExitReason.KILLED,
    "DEADLINE": BatchJobExitReason.KILLED,
    "PREEMPTED": BatchJobExitReason.LOST,
    "NODE_FAIL": BatchJobExitReason.LOST,
    "BOOT_FAIL": BatchJobExitReason.LOST,
    "OUT_OF_MEMORY": BatchJobExitReason.MEMLIMIT,
    "REVOKED": BatchJobExitReason.LOST,
}
MEMORY_KILL_MARKERS = ("Exceeded job memory limit", "exceeded memory limit", "oom-kill event", "OOM Killed")


@dataclass(frozen=True)
class SlurmOptions:
    allocate_mem: bool = True
    time: str | None = None
    partition: str | None = None
    gpu_partition: str | None = None
    pe_partition: str | None = None
    qos: str | None = None
    gpu_qos: str | None = None
    args: tuple[str, ...] = ()
    batch_jobs: int = DEFAULT_JOBS_PER_PACK

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> SlurmOptions:
        get = options.__dict__.get
        allocate = get("slurmAllocateMem") or env_default("TOIL_SLURM_ALLOCATE_MEM")
        return cls(
            allocate_mem=True if allocate is None else parse_bool(allocate),
            time=get("slurmTime") or env_default("TOIL_SLURM_TIME") or _walltime(get("defaultWalltime")),
            qos=get("slurm_qos") or env_default("TOIL_SLURM_QOS"),
            gpu_qos=get("slurm_gpu_qos") or env_default("TOIL_SLURM_GPU_QOS"),
            partition=get("slurmPartition") or env_default("TOIL_SLURM_PARTITION"),
            gpu_partition=get("slurmGPUPartition") or env_default("TOIL_SLURM_GPU_PARTITION"),
            pe_partition=get("slurmPE") or env_default("TOIL_SLURM_PE"),
            args=tuple(split_args(get("slurmArgs") or env_default("TOIL_SLURM_ARGS"))),
            batch_jobs=_jobs_per_pack(get("slurmBatchJobs") or env_default("TOIL_SLURM_BATCH_JOBS")),
        )


def _walltime(seconds: int | None) -> str | None:
    """--defaultWalltime in seconds as Slurm's [DD-]HH:MM:SS (None for 0: no limit)."""
    if not seconds:
        return None
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    text = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


def _jobs_per_pack(value: object) -> int:
    if value is None:
        return DEFAULT_JOBS_PER_PACK
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise BatchSystemError(f"--slurmBatchJobs (TOIL_SLURM_BATCH_JOBS) must be a whole number of at least 1, "
                               f"not '{text}'")
    return int(text)


def _given(args: tuple[str, ...], *names: str) -> bool:
    """Tell whether extra arguments already set an option (``--time=1``, ``--time 1``, ``-t1``)."""
    for arg in args:
        for name in names:
            if arg == name or arg.startswith(name + "=") or (len(name) == 2 and arg.startswith(name)):
                return True
    return False


def sbatch_args(request: SubmitRequest, options: SlurmOptions, tmp_disk: bool = False) -> list[str]:
    """The sbatch command for a job whose script comes on stdin."""
    req = request.requirements
    extra = options.args
    argv = ["sbatch", "--parsable", f"--job-name={request.name}", f"--output={request.log_path}",
            f"--error={request.log_path}", f"--cpus-per-task={max(1, math.ceil(req.cores - 1e-9))}"]
    if options.allocate_mem and not _given(extra, "--mem", "--mem-per-cpu", "--mem-per-gpu"):
        argv.append(f"--mem={max(1, math.ceil(req.memory / MIB))}M")
    if tmp_disk and not _given(extra, "--tmp"):
        argv.append(f"--tmp={max(1, math.ceil(req.disk / MIB))}M")
    gpus = req.accelerator_count
    if gpus:
        models = {a.model for a in req.accelerators if a.model}
        kind = f"gpu:{models.pop()}" if len(models) == 1 else "gpu"
        argv.append(f"--gres={kind}:{gpus}")
    partition = options.partition
    if gpus and options.gpu_partition:
        partition = options.gpu_partition
    elif req.cores > 1 and options.pe_partition:
        partition = options.pe_partition
    if partition and not _given(extra, "--partition", "-p"):
        argv.append(f"--partition={partition}")
    if options.time and not _given(extra, "--time", "-t"):
        argv.append(f"--time={options.time}")
    qos = options.gpu_qos if gpus and options.gpu_qos else options.qos
    if qos and not _given(extra, "--qos", "-q"):
        argv.append(f"--qos={qos}")
    return argv + list(extra)


def parse_sbatch(stdout: str) -> str:
    """``sbatch --parsable`` prints ``ID`` or ``ID;CLUSTER``."""
    for line in stdout.splitlines():
        job_id = line.strip().split(";")[0]
        if job_id.isdigit():
            return job_id
    raise ValueError(f"sbatch printed no job id: {stdout.strip()!r}")


def squeue_args(job_ids: list[str]) -> list[str]:
    return ["squeue", "--noheader", "--states=all", f"--jobs={','.join(job_ids)}", f"--Format={SQUEUE_FIELDS}"]


def status_from_state(state: str, exit_status: int, wall: float | None, detail: str = "") -> JobStatus:
    """Map a Slurm job state (and its exit status) onto a JobStatus."""
    state = state.split()[0].rstrip("+") if state else ""
    if state in PENDING_STATES:
        return JobStatus(JobPhase.PENDING, detail=detail)
    if state in RUNNING_STATES:
        return JobStatus(JobPhase.RUNNING, wall_time=wall, detail=detail)
    reason = DONE_REASONS.get(state, BatchJobExitReason.FAILED)
    if reason is not None and exit_status == 0:
        exit_status = -15 if reason is BatchJobExitReason.KILLED else 1  # e.g. cancelled while pending
    return JobStatus(JobPhase.DONE, exit_status, reason, wall, detail=f"{state} {detail}".strip())


def parse_squeue(stdout: str) -> dict[str, JobStatus]:
    """Parse ``squeue --Format=JobID:|,State:|,exit_code:|,TimeUsed:|,Reason:|`` (exit_code is a wait status)."""
    out: dict[str, JobStatus] = {}
    for line in stdout.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) < 4 or not fields[0]:
            continue
        job_id, state, code, used = fields[:4]
        reason = fields[4] if len(fields) > 4 else ""
        exit_status = exit_status_from_wait(int(code)) if code.lstrip("-").isdigit() else 0
        out[job_id] = status_from_state(state, exit_status, parse_duration(used), reason)
    return out


def exit_status_from_pair(text: str) -> int:
    """``3:0`` (exit code 3) or ``0:9`` (killed by signal 9) as an exit status; signals are negative."""
    code, _, signal = text.partition(":")
    if signal.strip().isdigit() and int(signal) != 0:
        return -int(signal)
    return int(code) if code.strip().isdigit() else 0


def sacct_args(job_ids: list[str], completion_file: bool = False) -> list[str]:
    argv = ["sacct", "--noheader", "--parsable2", "--allocations", f"--jobs={','.join(job_ids)}",
            "--format=JobIDRaw,State,ExitCode,ElapsedRaw"]
    return argv[:1] + ["-c"] + argv[1:] if completion_file else argv


def parse_sacct(stdout: str) -> dict[str, JobStatus]:
    """Parse ``sacct --parsable2 --format=JobIDRaw,State,ExitCode,ElapsedRaw`` (and ``sacct -c``)."""
    out: dict[str, JobStatus] = {}
    for line in stdout.splitlines():
        fields = line.strip().split("|")
        if len(fields) < 4 or not fields[0] or "." in fields[0]:
            continue  # job steps (123.batch) carry no extra news
        job_id, state, code, elapsed = fields[:4]
        wall = float(elapsed) if elapsed.isdigit() else None
        out[job_id] = status_from_state(state, exit_status_from_pair(code), wall)
    return out


def parse_sinfo(stdout: str) -> list[tuple[str, int, int, int]]:
    """Parse ``sinfo -h -N -o '%N|%c|%m|%d'``: (node, CPUs, memory MiB, tmp disk MiB) per node."""
    nodes = []
    for line in stdout.splitlines():
        fields = line.strip().split("|")
        if len(fields) != 4:
            continue
        try:
            nodes.append((fields[0], int(fields[1].rstrip("+")), int(fields[2].rstrip("+")),
                          int(fields[3].rstrip("+"))))
        except ValueError:
            continue
    return nodes


def memory_killed(status: JobStatus, log_tail: str) -> JobStatus:
    """A job SIGKILLed for memory by OverMemoryKill is MEMLIMIT, as cgroups' OUT_OF_MEMORY is."""
    if status.reason in (BatchJobExitReason.FAILED, BatchJobExitReason.KILLED) and any(
        marker in log_tail for marker in MEMORY_KILL_MARKERS
    ):
        return JobStatus(status.phase, status.exit_status, BatchJobExitReason.MEMLIMIT, status.wall_time,
                         f"{status.detail} (memory limit)")
    return status


def read_tail(path: str, size: int = 8192) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


class SlurmBatchSystem(GridBatchSystem):
    scheduler_name = "slurm"

    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        add_slurm_options(parser)

    @property
    def slurm(self) -> SlurmOptions:
        if not hasattr(self, "_slurm"):
            self._slurm = SlurmOptions.from_options(self.settings.options)
        return self._slurm

    def _nodes(self) -> list[tuple[str, int, int, int]]:
        if not hasattr(self, "_node_info"):
            result = self.runner(["sinfo", "--noheader", "--Node", "--format=%N|%c|%m|%d"])
            self._node_info = parse_sinfo(result.stdout) if result.ok else []
        return self._node_info

    def node_hosts(self) -> list[str] | None:
        nodes = self._nodes()
        return [node[0] for node in nodes] if nodes else None

    def check_resource_request(self, spec: BatchJobSpec) -> None:
        super().check_resource_request(spec)
        nodes = self._nodes()
        if not nodes or self.slurm.partition or _given(self.slurm.args, "--partition", "-p"):
            return  # partitions may name other nodes; let Slurm judge
        req, where = spec.requirements, "the largest slurm node"
        cpus = max(node[1] for node in nodes)
        if math.ceil(req.cores - 1e-9) > cpus:
            raise InsufficientSystemResources(spec.name, "cores", f"{req.cores:g}", cpus, where)
        memory = max(node[2] for node in nodes) * MIB
        if self.slurm.allocate_mem and req.memory > memory:
            raise InsufficientSystemResources(spec.name, "memory", bytes2human(req.memory), bytes2human(memory),
                                              where)

    def jobs_per_pack(self) -> int:
        if getattr(self.settings.options, "maxJobDuration", None):
            return 1  # the leader times each job; a packed job's start is the runner's to know
        return self.slurm.batch_jobs

    def node_capacity(self) -> tuple[float | None, float | None]:
        nodes = self._nodes()
        if not nodes or self.slurm.partition or _given(self.slurm.args, "--partition", "-p"):
            return None, None
        memory = max(node[2] for node in nodes) * MIB if self.slurm.allocate_mem else None
        return max(node[1] for node in nodes), memory

    def submit_command(self, request: SubmitRequest) -> list[str]:
        tmp_disk = any(node[3] > 0 for node in self._nodes())
        return sbatch_args(request, self.slurm, tmp_disk)

    def parse_submit(self, stdout: str) -> str:
        return parse_sbatch(stdout)

    def status_command(self, scheduler_ids: list[str]) -> list[str]:
        return squeue_args(scheduler_ids)

    def parse_status(self, stdout: str) -> dict[str, JobStatus]:
        return parse_squeue(stdout)

    def status_failure_is_empty(self, result: CommandResult) -> bool:
        return "Invalid job id" in result.stderr

    def kill_command(self, scheduler_ids: list[str]) -> list[str]:
        return ["scancel", *scheduler_ids]

    def refused_for_good(self, result: CommandResult) -> bool:
        text = result.stderr
        return "error:" in text and not any(
            passing in text for passing in ("Socket timed out", "Unable to contact", "try again", "temporarily")
        )

    def accounting(self, scheduler_ids: list[str]) -> dict[str, JobStatus]:
        if not getattr(self, "_sacct_disabled", False):
            result = self.runner(sacct_args(scheduler_ids))
            if result.ok:
                return parse_sacct(result.stdout)
            if "accounting storage is disabled" in result.stderr.lower() or "slurmdbd" in result.stderr.lower():
                self._sacct_disabled = True
        try:
            result = run_with_retries(self.runner, sacct_args(scheduler_ids, completion_file=True), None,
                                      self.retry, self.sleep)
        except Exception as e:  # noqa: BLE001 - accounting is a best effort; the job is LOST later
            logger.warning("sacct -c failed: %s", e)
            return {}
        return parse_sacct(result.stdout)

    def refine_status(self, status: JobStatus, log_path: str) -> JobStatus:
        if status.reason in (BatchJobExitReason.FAILED, BatchJobExitReason.KILLED):
            return memory_killed(status, read_tail(log_path))
        return status
