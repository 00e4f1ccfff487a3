"""Grid Engine's builders and parsers, on output captured from the real SGE 8.1.9 of tests/services/sge.sh."""

from __future__ import annotations

from pathlib import Path

from toil.batch.grid import JobPhase, SubmitRequest
from toil.batch.grid_engine import (
    GridEngineOptions,
    parse_qacct,
    parse_qstat_xml,
    parse_qsub,
    qacct_args,
    qsub_args,
    status_from_qacct,
)
from toil.core.batchsystem import BatchJobExitReason
from toil.core.requirements import GIB, Requirements

CAPTURED = Path(__file__).parent / "captured"


def request(cores: float = 1, memory: int = GIB) -> SubmitRequest:
    return SubmitRequest("toil_r_1_job", "#!/bin/sh\ntrue\n", Requirements(cores, memory, GIB), "/l/1.log")


def test_qsub_arguments() -> None:
    argv = qsub_args(request(), GridEngineOptions())
    assert argv[:2] == ["qsub", "-terse"] and "-V" in argv and argv[4:6] == ["-o", "/l/1.log"]
    assert argv[argv.index("-l") + 1] == "h_vmem=1024M"
    assert "-pe" not in argv


def test_cores_use_a_parallel_environment_and_memory_is_per_slot() -> None:
    argv = qsub_args(request(cores=4, memory=4 * GIB), GridEngineOptions(pe="mpi", args=("-q", "long.q")))
    assert argv[argv.index("-pe") + 1:argv.index("-pe") + 3] == ["mpi", "4"]
    assert argv[argv.index("-l") + 1] == "h_vmem=1024M"
    assert argv[-2:] == ["-q", "long.q"]
    manual = qsub_args(request(), GridEngineOptions(manual_mem_args=True, args=("-l", "mem_free=1G")))
    assert manual.count("-l") == 1 and manual[-1] == "mem_free=1G"


def test_qsub_terse_output() -> None:
    assert parse_qsub("99\n") == "99"
    assert parse_qsub("100.1-4:1\n") == "100"


def test_qstat_xml_lists_running_and_pending_jobs() -> None:
    statuses = parse_qstat_xml((CAPTURED / "sge_qstat.xml").read_text())
    assert statuses["101"].phase is JobPhase.RUNNING
    assert statuses["102"].phase is JobPhase.PENDING
    assert parse_qstat_xml("") == {}


def test_qacct_records() -> None:
    assert qacct_args("toil_abc_*") == ["qacct", "-j", "toil_abc_*"]
    statuses = parse_qacct((CAPTURED / "sge_qacct.txt").read_text())
    assert (statuses["99"].exit_status, statuses["99"].reason) == (0, BatchJobExitReason.FINISHED)
    assert (statuses["100"].exit_status, statuses["100"].reason) == (3, BatchJobExitReason.FAILED)
    assert (statuses["101"].exit_status, statuses["101"].reason) == (-9, BatchJobExitReason.KILLED)
    assert all(status.phase is JobPhase.DONE for status in statuses.values())


def test_a_failed_job_at_its_h_vmem_is_memlimit() -> None:
    record = {"jobnumber": "7", "failed": "0", "exit_status": "1", "category": "-l h_vmem=100M",
              "maxvmem": "99.800M", "ru_wallclock": "2s"}
    assert status_from_qacct(record).reason is BatchJobExitReason.MEMLIMIT
    assert status_from_qacct({**record, "maxvmem": "20.000M"}).reason is BatchJobExitReason.FAILED
