"""Slurm's builders and parsers, on output captured from the real Slurm 22.05 of tests/services/slurm.sh."""

from __future__ import annotations

import argparse
from pathlib import Path

from toil.batch.grid import JobPhase, JobStatus, SubmitRequest
from toil.batch.slurm import (
    SlurmOptions,
    memory_killed,
    parse_sacct,
    parse_sbatch,
    parse_sinfo,
    parse_squeue,
    sacct_args,
    sbatch_args,
    squeue_args,
)
from toil.core.batchsystem import BatchJobExitReason
from toil.core.requirements import GIB, Accelerator, Requirements

CAPTURED = Path(__file__).parent / "captured"
MIB = 1024 * 1024


def request(cores: float = 1, memory: int = GIB, disk: int = GIB, gpus: int = 0) -> SubmitRequest:
    accelerators = (Accelerator(count=gpus),) if gpus else ()
    requirements = Requirements(cores, memory, disk, accelerators)
    return SubmitRequest("toil_r_1_job", "#!/bin/sh\ntrue\n", requirements, "/l/1.log")


def test_sbatch_arguments_from_requirements() -> None:
    argv = sbatch_args(request(cores=2.5, memory=1536 * MIB, disk=3 * GIB), SlurmOptions(), tmp_disk=True)
    assert argv[:2] == ["sbatch", "--parsable"]
    assert "--cpus-per-task=3" in argv and "--mem=1536M" in argv and "--tmp=3072M" in argv
    assert "--output=/l/1.log" in argv and "--error=/l/1.log" in argv and "--job-name=toil_r_1_job" in argv
    assert not any(a.startswith("--tmp") for a in sbatch_args(request(), SlurmOptions(), tmp_disk=False))
    assert "--cpus-per-task=1" in sbatch_args(request(cores=0.1), SlurmOptions())


def test_sbatch_partitions_time_gpus_and_extra_arguments() -> None:
    options = SlurmOptions(time="1:00:00", partition="cpu", gpu_partition="gpu", pe_partition="multi",
                           args=("--qos=low", "--nice=5"))
    argv = sbatch_args(request(gpus=2), options)
    assert "--gres=gpu:2" in argv and "--partition=gpu" in argv and "--time=1:00:00" in argv
    assert argv[-2:] == ["--qos=low", "--nice=5"]
    assert "--partition=multi" in sbatch_args(request(cores=4), options)
    assert "--partition=cpu" in sbatch_args(request(), options)
    overridden = sbatch_args(request(), SlurmOptions(time="1:00:00", partition="cpu",
                                                     args=("-p", "other", "--time=5", "--mem=1G")))
    assert not any(a.startswith(("--partition=", "--time=1", "--mem=1024M")) for a in overridden)
    assert not any(a.startswith("--mem=") and a != "--mem=1G" for a in overridden)
    assert not any(a.startswith("--mem") for a in sbatch_args(request(), SlurmOptions(allocate_mem=False)))


def test_slurm_options_come_from_toil_options_and_environment() -> None:
    options = SlurmOptions.from_options(argparse.Namespace(slurmArgs="--qos=x --exclusive", slurmTime="2:00:00",
                                                           slurmAllocateMem="false"))
    assert options.args == ("--qos=x", "--exclusive") and options.time == "2:00:00" and not options.allocate_mem


def test_sbatch_output() -> None:
    assert parse_sbatch("335\n") == "335"
    assert parse_sbatch("335;cluster2\n") == "335"


def test_one_squeue_reports_every_state() -> None:
    statuses = parse_squeue((CAPTURED / "slurm_squeue.txt").read_text())
    assert statuses["335"] == JobStatus(JobPhase.DONE, 0, None, 0.0, "COMPLETED None")
    assert (statuses["336"].phase, statuses["336"].exit_status, statuses["336"].reason) == (
        JobPhase.DONE, 3, BatchJobExitReason.FAILED)
    assert (statuses["337"].exit_status, statuses["337"].reason) == (-9, BatchJobExitReason.FAILED)
    assert statuses["338"].phase is JobPhase.RUNNING and statuses["338"].wall_time == 5.0
    assert statuses["339"].phase is JobPhase.PENDING
    assert statuses["340"].reason is BatchJobExitReason.KILLED and statuses["340"].exit_status != 0


def test_squeue_asks_for_all_jobs_in_one_command() -> None:
    argv = squeue_args(["1", "2", "3"])
    assert argv[0] == "squeue" and "--jobs=1,2,3" in argv and "--states=all" in argv


def test_sacct_c_reads_the_completion_file() -> None:
    assert sacct_args(["1", "2"], completion_file=True)[:2] == ["sacct", "-c"]
    statuses = parse_sacct((CAPTURED / "slurm_sacct_c.txt").read_text())
    assert statuses["335"].reason is None and statuses["335"].exit_status == 0
    assert statuses["336"].exit_status == 3
    assert statuses["337"].exit_status == -9 and statuses["337"].wall_time == 1.0
    assert statuses["340"].reason is BatchJobExitReason.KILLED


def test_memory_kill_by_over_memory_kill_is_memlimit() -> None:
    log = (CAPTURED / "slurm_memkill.log").read_text()
    failed = parse_squeue((CAPTURED / "slurm_squeue.txt").read_text())["337"]
    assert memory_killed(failed, log).reason is BatchJobExitReason.MEMLIMIT
    assert memory_killed(failed, "Traceback ...").reason is BatchJobExitReason.FAILED
    assert parse_squeue("9|OUT_OF_MEMORY|9|0:03|OutOfMemory|\n")["9"].reason is BatchJobExitReason.MEMLIMIT


def test_sinfo_nodes() -> None:
    assert parse_sinfo((CAPTURED / "slurm_sinfo.txt").read_text()) == [("vm", 8, 23593, 0)]


def test_sbatch_qos_gpu_qos_and_default_walltime() -> None:
    options = SlurmOptions.from_options(argparse.Namespace(slurm_qos="normal", slurm_gpu_qos="gpuq",
                                                           defaultWalltime=90061))
    assert options.time == "1-01:01:01"
    assert "--qos=normal" in sbatch_args(request(), options) and "--time=1-01:01:01" in sbatch_args(request(), options)
    assert "--qos=gpuq" in sbatch_args(request(gpus=1), options)
    assert sum(a.startswith("--qos") for a in sbatch_args(request(), SlurmOptions(qos="normal", args=("-q", "x")))) \
        == 0  # the user's own -q wins
    plain = SlurmOptions.from_options(argparse.Namespace(slurmTime="2:00:00", defaultWalltime=60))
    assert plain.time == "2:00:00" and plain.qos is None  # --slurmTime wins over --defaultWalltime


def test_allocate_mem_spellings() -> None:
    from toil.batch.grid_options import add_slurm_options

    parser = argparse.ArgumentParser()
    add_slurm_options(parser)
    assert not SlurmOptions.from_options(parser.parse_args(["--dont_allocate_mem"])).allocate_mem
    assert SlurmOptions.from_options(parser.parse_args(["--allocate_mem"])).allocate_mem
