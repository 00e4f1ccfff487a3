"""The grid base with a scheduler double behind the injected command runner (no daemons, fake clock)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import pytest

from toil.batch import grid
from toil.batch.grid import GridBatchSystem, JobPhase, JobStatus, SubmitRequest, worker_command
from toil.batch.grid_commands import CommandResult, RetryPolicy, parse_duration, run_with_retries
from toil.batch.shared_fs import check_paths_reachable, filesystem_type
from toil.core import options as core_options
from toil.core.batchsystem import (
    BatchJobExitReason,
    BatchJobSpec,
    BatchSystemError,
    BatchSystemSettings,
    InsufficientSystemResources,
)
from toil.core.requirements import GIB, Requirements


class Scheduler:
    """A scheduler double: 'submit' queues a job, 'status' lists them, 'kill' cancels them."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[str, int]] = {}  # id -> (state, exit)
        self.calls: list[str] = []
        self.fail_next: list[CommandResult] = []
        self.forget: set[str] = set()

    def __call__(self, argv: Sequence[str], stdin: str | None = None) -> CommandResult:
        self.calls.append(argv[0])
        if self.fail_next:
            return self.fail_next.pop(0)
        if argv[0] == "submit":
            job_id = str(100 + len(self.jobs))
            self.jobs[job_id] = ("PENDING", 0)
            return CommandResult(tuple(argv), 0, job_id + "\n", "")
        if argv[0] == "status":
            lines = [f"{j}|{s}|{e}" for j, (s, e) in self.jobs.items() if j in argv[1:] and j not in self.forget]
            return CommandResult(tuple(argv), 0, "\n".join(lines), "")
        if argv[0] == "kill":
            for job_id in argv[1:]:
                self.jobs[job_id] = ("CANCELLED", 15)
            return CommandResult(tuple(argv), 0, "", "")
        raise AssertionError(argv)


class FakeGrid(GridBatchSystem):
    scheduler_name = "fake"

    def submit_command(self, request: SubmitRequest) -> list[str]:
        return ["submit", request.name]

    def parse_submit(self, stdout: str) -> str:
        return stdout.strip()

    def status_command(self, scheduler_ids: list[str]) -> list[str]:
        return ["status", *scheduler_ids]

    def parse_status(self, stdout: str) -> dict[str, JobStatus]:
        out = {}
        for line in stdout.splitlines():
            job_id, state, code = line.split("|")
            phase = {"PENDING": JobPhase.PENDING, "RUNNING": JobPhase.RUNNING}.get(state, JobPhase.DONE)
            reason = BatchJobExitReason.KILLED if state == "CANCELLED" else None
            out[job_id] = JobStatus(phase, int(code), reason)
        return out

    def kill_command(self, scheduler_ids: list[str]) -> list[str]:
        return ["kill", *scheduler_ids]

    def refused_for_good(self, result: CommandResult) -> bool:
        return "invalid" in result.stderr


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make(tmp_path: object, scheduler: Scheduler, clock: Clock, max_cores: float | None = None,
         **options: object) -> FakeGrid:
    namespace = argparse.Namespace(statePollingWait=5.0, **options)
    settings = BatchSystemSettings(max_cores, None, None, str(tmp_path), namespace)
    return FakeGrid(settings, runner=scheduler, clock=clock, sleep=clock.sleep, retry=RetryPolicy(3, 1.0))


def job(name: str = "j", cores: float = 1) -> BatchJobSpec:
    return BatchJobSpec(name, name, "_toil_worker j file:/s id", Requirements(cores, GIB, GIB))


def test_one_status_command_per_poll_for_all_jobs_throttled(tmp_path: object) -> None:
    scheduler, clock = Scheduler(), Clock()
    system = make(tmp_path, scheduler, clock)
    ids = [system.issueBatchJob(job(str(i))) for i in range(50)]
    for job_id in scheduler.jobs:
        scheduler.jobs[job_id] = ("COMPLETED", 0)
    updates = [system.getUpdatedBatchJob(1.0) for _ in range(50)]
    assert sorted(u.jobID for u in updates if u) == ids
    assert scheduler.calls.count("status") == 1 == system.polls
    clock.now += 1.0
    system.issueBatchJob(job())
    assert system.getUpdatedBatchJob(0.0) is None  # within --statePollingWait: no new query
    assert scheduler.calls.count("status") == 1


def test_caps_hold_jobs_back_until_others_finish(tmp_path: object) -> None:
    scheduler, clock = Scheduler(), Clock()
    system = make(tmp_path, scheduler, clock, max_cores=2)
    first, second, third = (system.issueBatchJob(job(str(i))) for i in range(3))
    assert scheduler.calls.count("submit") == 2 and len(system.getIssuedBatchJobIDs()) == 3
    scheduler.jobs["100"] = ("COMPLETED", 0)
    update = system.getUpdatedBatchJob(0.0)
    assert update is not None and update.jobID == first
    assert scheduler.calls.count("submit") == 3
    with pytest.raises(InsufficientSystemResources):
        system.issueBatchJob(job(cores=3))
    assert {second, third} <= set(system.getIssuedBatchJobIDs())


def test_failing_commands_are_retried_with_back_off(tmp_path: object) -> None:
    scheduler, clock = Scheduler(), Clock()
    system = make(tmp_path, scheduler, clock)
    scheduler.fail_next = [CommandResult(("submit",), 1, "", "Socket timed out")] * 2
    system.issueBatchJob(job())
    assert clock.slept == [1.0, 2.0] and scheduler.calls.count("submit") == 3


def test_a_refused_submission_is_an_error_update_not_an_exception(tmp_path: object) -> None:
    scheduler, clock = Scheduler(), Clock()
    system = make(tmp_path, scheduler, clock)
    scheduler.fail_next = [CommandResult(("submit",), 1, "", "error: invalid partition")]
    batch_id = system.issueBatchJob(job())
    update = system.getUpdatedBatchJob(0.0)
    assert update is not None and (update.jobID, update.exitReason) == (batch_id, BatchJobExitReason.ERROR)
    assert clock.slept == []


def test_kill_uses_one_command_and_reports_nothing(tmp_path: object) -> None:
    scheduler, clock = Scheduler(), Clock()
    system = make(tmp_path, scheduler, clock)
    ids = [system.issueBatchJob(job(str(i))) for i in range(5)]
    system.killBatchJobs(ids)
    assert scheduler.calls.count("kill") == 1
    assert system.getIssuedBatchJobIDs() == [] and system.getUpdatedBatchJob(0.0) is None


def test_a_job_missing_everywhere_is_lost(tmp_path: object) -> None:
    scheduler, clock = Scheduler(), Clock()
    system = make(tmp_path, scheduler, clock)
    batch_id = system.issueBatchJob(job())
    scheduler.forget.add("100")
    assert system.getUpdatedBatchJob(0.0) is None
    clock.now += grid.LOST_AFTER + 10
    update = system.getUpdatedBatchJob(0.0)
    assert update is not None and (update.jobID, update.exitReason) == (batch_id, BatchJobExitReason.LOST)


def test_worker_runs_with_the_leaders_interpreter() -> None:
    assert worker_command("_toil_worker a file:/s j1", "/py/bin/python") == \
        "/py/bin/python -m toil.batch.run_worker a file:/s j1"
    deployed = "/py -m toil.batch.run_worker --deploy k a file:/s j1"
    assert worker_command("_toil_worker a file:/s j1", "/py", "k") == deployed
    assert worker_command("sleep 1", "/py") == "sleep 1"


def test_retry_gives_up_with_the_last_error() -> None:
    clock = Clock()
    with pytest.raises(BatchSystemError, match="tried 3 times"):
        run_with_retries(lambda argv, stdin=None: CommandResult(tuple(argv), 1, "", "down"), ["x"],
                         policy=RetryPolicy(3, 0.5), sleep=clock.sleep)
    assert clock.slept == [0.5, 1.0]


def test_durations() -> None:
    assert parse_duration("1-02:03:04") == 93784 and parse_duration("0:05") == 5 and parse_duration("x") is None


def test_options_of_every_batch_system_live_together() -> None:
    parser = core_options.default_argument_parser()
    parsed = parser.parse_args(["js", "--batchSystem", "slurm", "--statePollingWait", "2", "--slurmArgs=--qos=x",
                                "--batchLogsDir", "/l", "--maxJobs", "4", "--manualMemArgs"])
    assert (parsed.statePollingWait, parsed.slurmArgs, parsed.batchLogsDir, parsed.maxJobs) == (2.0, "--qos=x", "/l", 4)


MOUNTS = """overlay / overlay rw 0 0
nfs.example:/home /home nfs4 rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


def test_shared_filesystem_check() -> None:
    assert filesystem_type("/home/u/js", MOUNTS) == "nfs4" and filesystem_type("/tmp/js", MOUNTS) == "tmpfs"

    def nodes() -> list[str]:
        return ["node1", "node2"]

    assert check_paths_reachable("file:/home/u/js", "/tmp", "/home/u/logs", "slurm", nodes, MOUNTS)
    with pytest.raises(BatchSystemError, match="job store /tmp/js is on a local tmpfs filesystem"):
        check_paths_reachable("file:/tmp/js", "/tmp", "/home/u/logs", "slurm", nodes, MOUNTS)
    # A logs directory the nodes cannot see is not refused: the logs stay on the nodes.
    assert not check_paths_reachable("file:/home/u/js", "/tmp", "/tmp/logs", "slurm", nodes, MOUNTS)
    assert not check_paths_reachable("aws:us-east-1:js", "/tmp", "/tmp/logs", "slurm", nodes, MOUNTS)
    assert check_paths_reachable("file:/tmp/js", "/tmp", "/tmp/logs", "slurm", lambda: ["localhost"], MOUNTS)


def test_a_failing_status_command_does_not_end_the_workflow(tmp_path: object) -> None:
    scheduler, clock = Scheduler(), Clock()
    system = make(tmp_path, scheduler, clock)
    batch_id = system.issueBatchJob(job())
    scheduler.fail_next = [CommandResult(("status",), 1, "", "slurm_load_jobs error: Socket timed out")] * 3
    assert system.getUpdatedBatchJob(0.0) is None and clock.slept == [1.0, 2.0]
    scheduler.jobs["100"] = ("COMPLETED", 0)
    clock.now += 10
    update = system.getUpdatedBatchJob(0.0)
    assert update is not None and update.jobID == batch_id
