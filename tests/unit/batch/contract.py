"""The contract every batch system honours, as a reusable test base class.

Subclass ``BatchSystemContract`` in a ``Test...`` class and implement ``make_batch_system``; the
tests run real commands through the real batch system. Commands use only POSIX sh, ``sleep`` and
GNU ``date +%s.%N``, and write their evidence to files under ``tmp_path``, so a scheduler whose
nodes share that directory can run the same tests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from toil.core.batchsystem import (
    AbstractBatchSystem,
    BatchJobExitReason,
    BatchJobSpec,
    InsufficientSystemResources,
    UpdatedBatchJobInfo,
)
from toil.core.requirements import GIB, Requirements

SMALL = 1024 * 1024  # memory and disk for jobs that need next to nothing


def spec(
    command: str, cores: float = 1, memory: int = SMALL, disk: int = SMALL, name: str = "job", **env: str
) -> BatchJobSpec:
    """Describe a job running command."""
    return BatchJobSpec(name, name, command, Requirements(cores=cores, memory=memory, disk=disk), dict(env))


def alive(pid: int) -> bool:
    """Tell whether a process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def read_pid(path: Path, timeout: float = 10.0) -> int:
    """Wait for a job to write a pid to path and return it."""
    wait_until(lambda: path.exists() and path.read_text().strip() != "", timeout, f"a pid in {path}")
    return int(path.read_text().split()[0])


def timed(command: str, directory: Path, index: int) -> str:
    """Wrap command so the job records when it started and ended."""
    stem = directory / str(index)
    return f"date +%s.%N > {stem}.start; {command}; date +%s.%N > {stem}.end"


def max_overlap(directory: Path) -> int:
    """Return the largest number of recorded jobs that ran at the same time."""
    events: list[tuple[float, int]] = []
    for start in directory.glob("*.start"):
        events.append((float(start.read_text()), 1))
        events.append((float(start.with_suffix(".end").read_text()), -1))
    running = peak = 0
    for _moment, change in sorted(events, key=lambda event: (event[0], event[1])):
        running += change
        peak = max(peak, running)
    return peak


class BatchSystemHarness:
    """Builds batch systems for a test, shuts them down after it, and waits for their updates."""

    timeout = 30.0  # seconds to wait for short jobs to finish
    kill_grace = 0.0  # seconds a killed process may take to vanish after killBatchJobs returns

    def make_batch_system(self, tmp_path: Path, max_cores: float = 2, max_memory: int = 4 * GIB) -> AbstractBatchSystem:
        raise NotImplementedError

    @pytest.fixture(autouse=True)
    def _shut_down_batch_systems(self) -> Iterator[None]:
        self._systems: list[AbstractBatchSystem] = []
        yield
        for system in self._systems:
            system.shutdown()

    def batch_system(self, tmp_path: Path, max_cores: float = 2, max_memory: int = 4 * GIB) -> AbstractBatchSystem:
        system = self.make_batch_system(tmp_path, max_cores=max_cores, max_memory=max_memory)
        self._systems.append(system)
        return system

    def collect(self, system: AbstractBatchSystem, count: int) -> dict[int, UpdatedBatchJobInfo]:
        """Wait for count updates and return them by batch id."""
        updates: dict[int, UpdatedBatchJobInfo] = {}
        deadline = time.monotonic() + self.timeout
        while len(updates) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"only {len(updates)} of {count} jobs finished in {self.timeout} s"
            update = system.getUpdatedBatchJob(remaining)
            if update is not None:
                assert update.jobID not in updates, f"job {update.jobID} was reported twice"
                updates[update.jobID] = update
        return updates

    def assert_gone(self, pid: int) -> None:
        if self.kill_grace:
            wait_until(lambda: not alive(pid), self.kill_grace, f"process {pid} to die")
        assert not alive(pid), f"process {pid} is still running"


class BatchSystemContract(BatchSystemHarness):
    """Tests any batch system must pass; a subclass provides make_batch_system."""

    def test_exit_statuses_are_reported(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path)
        good = system.issueBatchJob(spec("exit 0"))
        bad = system.issueBatchJob(spec("exit 3"))
        updates = self.collect(system, 2)
        assert (updates[good].exitStatus, updates[good].exitReason) == (0, BatchJobExitReason.FINISHED)
        assert (updates[bad].exitStatus, updates[bad].exitReason) == (3, BatchJobExitReason.FAILED)
        assert all(u.wallTime is not None and u.wallTime >= 0 for u in updates.values())
        assert system.getIssuedBatchJobIDs() == []

    def test_jobs_run_in_parallel_up_to_the_core_limit(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path, max_cores=2)
        for index in range(5):
            system.issueBatchJob(spec(timed("sleep 0.3", tmp_path, index)))
        updates = self.collect(system, 5)
        assert all(u.exitStatus == 0 for u in updates.values())
        assert max_overlap(tmp_path) == 2

    def test_fractional_cores_share_a_core(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path, max_cores=2)
        for index in range(4):
            system.issueBatchJob(spec(timed("sleep 0.5", tmp_path, index), cores=0.5))
        self.collect(system, 4)
        assert max_overlap(tmp_path) == 4

    def test_a_job_larger_than_the_limits_is_refused(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path, max_cores=2, max_memory=GIB)
        too_many_cores = spec("true", cores=3, name="greedy")
        with pytest.raises(InsufficientSystemResources) as refused:
            system.check_resource_request(too_many_cores)
        assert "greedy" in str(refused.value) and "cores" in str(refused.value)
        with pytest.raises(InsufficientSystemResources):
            system.issueBatchJob(too_many_cores)
        with pytest.raises(InsufficientSystemResources) as refused:
            system.issueBatchJob(spec("true", memory=2 * GIB, name="hungry"))
        assert refused.value.resource == "memory"
        assert "hungry" in str(refused.value) and "2.0 GiB" in str(refused.value) and "1.0 GiB" in str(refused.value)
        system.check_resource_request(spec("true", cores=2, memory=GIB))
        assert system.getIssuedBatchJobIDs() == []

    def test_kill_stops_a_running_job_and_its_children(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path)
        command = f"sleep 100 & echo $! > {tmp_path}/child.pid; echo $$ > {tmp_path}/shell.pid; wait"
        job = system.issueBatchJob(spec(command))
        shell, child = read_pid(tmp_path / "shell.pid"), read_pid(tmp_path / "child.pid")
        system.killBatchJobs([job])
        self.assert_gone(shell)
        self.assert_gone(child)
        assert system.getUpdatedBatchJob(0.3) is None
        assert job not in system.getIssuedBatchJobIDs()

    def test_kill_removes_a_queued_job(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path, max_cores=1)
        running = system.issueBatchJob(spec("sleep 100"))
        queued = system.issueBatchJob(spec(f"touch {tmp_path}/ran"))
        system.killBatchJobs([queued])
        system.killBatchJobs([running])
        assert system.getUpdatedBatchJob(0.3) is None
        assert not (tmp_path / "ran").exists()
        assert system.getIssuedBatchJobIDs() == []

    def test_issued_and_running_ids(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path, max_cores=1)
        first = system.issueBatchJob(spec(f"echo $$ > {tmp_path}/first.pid; exec sleep 100"))
        second = system.issueBatchJob(spec("sleep 100"))
        assert first != second
        assert sorted(system.getIssuedBatchJobIDs()) == sorted([first, second])
        read_pid(tmp_path / "first.pid")
        running = system.getRunningBatchJobIDs()
        assert list(running) == [first]
        assert running[first] >= 0
        system.killBatchJobs([first, second])
        assert system.getIssuedBatchJobIDs() == []
        assert system.getRunningBatchJobIDs() == {}

    def test_environment_reaches_the_job(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path)
        system.setEnv("CONTRACT_SET_ENV", "from setEnv")
        job = system.issueBatchJob(
            spec(f'echo "$CONTRACT_SET_ENV/$CONTRACT_SPEC_ENV" > {tmp_path}/env', CONTRACT_SPEC_ENV="from spec")
        )
        assert self.collect(system, 1)[job].exitStatus == 0
        assert (tmp_path / "env").read_text().strip() == "from setEnv/from spec"

    def test_get_updated_batch_job_waits_at_most_max_wait(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path)
        system.issueBatchJob(spec("sleep 100"))
        started = time.monotonic()
        assert system.getUpdatedBatchJob(0.5) is None
        assert 0.45 <= time.monotonic() - started < 3.0

    def test_shutdown_kills_what_runs(self, tmp_path: Path) -> None:
        system = self.batch_system(tmp_path)
        system.issueBatchJob(spec(f"sleep 100 & echo $! > {tmp_path}/child.pid; wait"))
        child = read_pid(tmp_path / "child.pid")
        system.shutdown()
        self.assert_gone(child)
        system.shutdown()  # idempotent
