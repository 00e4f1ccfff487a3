"""The single-machine batch system: the shared contract, plus its warm zygote and its own policies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.unit.batch.contract import (
    BatchSystemContract,
    BatchSystemHarness,
    alive,
    max_overlap,
    read_pid,
    spec,
    timed,
    wait_until,
)
from toil.batch.single_machine import SingleMachineBatchSystem, machine_cores, machine_memory
from toil.core.batchsystem import BatchJobExitReason, BatchSystemError, BatchSystemSettings
from toil.core.requirements import GIB

ROOT = Path(__file__).resolve().parents[3]
HELPERS = {
    "_record": "tests.unit.batch.inprocess_helper:record",
    "_noop": "tests.unit.batch.inprocess_helper:noop",
    "_fail": "tests.unit.batch.inprocess_helper:fail",
    "_missing": "tests.unit.batch.no_such_module:main",
    "_has": "tests.unit.batch.inprocess_helper:has_module",
}


def settings(tmp_path: Path, max_cores: float | None = 2, max_memory: int | None = 4 * GIB) -> BatchSystemSettings:
    return BatchSystemSettings(max_cores=max_cores, max_memory=max_memory, max_disk=None, work_dir=str(tmp_path))


def python_start_up() -> float:
    """Return how long starting Python and importing the engine takes here, now."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import toil.batch.single_machine"], check=True, cwd=ROOT)
    return time.monotonic() - started


class TestSingleMachineContract(BatchSystemContract):
    def make_batch_system(
        self, tmp_path: Path, max_cores: float = 2, max_memory: int = 4 * GIB
    ) -> SingleMachineBatchSystem:
        return SingleMachineBatchSystem(settings(tmp_path, max_cores, max_memory), in_process_commands=HELPERS)


class TestSingleMachine(BatchSystemHarness):
    """Behaviour particular to the single-machine batch system: its warm zygote and its own policies."""

    make_batch_system = TestSingleMachineContract.make_batch_system

    def single(self, tmp_path: Path, max_cores: float = 2, max_memory: int = 4 * GIB) -> SingleMachineBatchSystem:
        system = self.batch_system(tmp_path, max_cores=max_cores, max_memory=max_memory)
        assert isinstance(system, SingleMachineBatchSystem)
        return system

    def test_in_process_commands_run_warm_without_exec(self, tmp_path: Path) -> None:
        system = self.single(tmp_path)
        system.setEnv("HELPER_VALUE", "seen")
        started = time.monotonic()
        jobs = {system.issueBatchJob(spec(f"_record '{tmp_path}/{i}.out' {i % 4}", cores=0.1)): i for i in range(200)}
        updates = self.collect(system, len(jobs))
        elapsed = time.monotonic() - started
        # Under 2 s, or (on a loaded machine) well under what exec'ing Python per job costs: at least
        # len(jobs) * start-up / 2 cores. Demand half of that, with start-up measured now, so that load
        # slows both sides alike.
        assert elapsed < 2.0 or elapsed < len(jobs) * python_start_up() / 4, f"200 jobs took {elapsed:.2f} s"
        for batch_id, index in jobs.items():
            assert updates[batch_id].exitStatus == index % 4
            pid, warm, value = (tmp_path / f"{index}.out").read_text().split()
            # The engine is already imported in the child: it was forked, not exec'd.
            assert (warm, value) == ("True", "seen")
            assert int(pid) != os.getpid()

    def test_in_process_failures_exit_1(self, tmp_path: Path) -> None:
        system = self.single(tmp_path)
        failing = system.issueBatchJob(spec("_fail"))
        missing = system.issueBatchJob(spec("_missing"))
        updates = self.collect(system, 2)
        assert updates[failing].exitStatus == 1 and updates[failing].exitReason == BatchJobExitReason.FAILED
        assert updates[missing].exitStatus == 1

    def test_preload_imports_modules_in_the_zygote(self, tmp_path: Path) -> None:
        # a stdlib module that nothing in this process has imported
        candidates = ["colorsys", "wave", "tabnanny", "netrc", "sched", "graphlib"]
        module = next((name for name in candidates if name not in sys.modules), None)
        assert module is not None, f"every candidate module is already imported: {candidates}"
        system = self.single(tmp_path)
        before = system.issueBatchJob(spec(f"_has {module}"))
        assert self.collect(system, 1)[before].exitStatus == 1
        system.preload([module])
        after = system.issueBatchJob(spec(f"_has {module}"))
        assert self.collect(system, 1)[after].exitStatus == 0
        assert module not in sys.modules

    def test_the_default_in_process_worker_is_registered(self, tmp_path: Path) -> None:
        from toil.batch import single_machine

        assert single_machine.IN_PROCESS_COMMANDS == {"_toil_worker": "toil.core.worker:main"}

    def test_memory_accounting_queues_jobs(self, tmp_path: Path) -> None:
        system = self.single(tmp_path, max_cores=2, max_memory=GIB)
        for index in range(3):
            system.issueBatchJob(spec(timed("sleep 0.2", tmp_path, index), memory=600 * 1024 * 1024))
        self.collect(system, 3)
        assert max_overlap(tmp_path) == 1

    def test_a_small_job_starts_while_a_big_one_waits(self, tmp_path: Path) -> None:
        system = self.single(tmp_path, max_cores=2)
        first = system.issueBatchJob(spec(timed("sleep 0.6", tmp_path, 0)))
        big = system.issueBatchJob(spec(timed("true", tmp_path, 1), cores=2))
        small = system.issueBatchJob(spec(timed("true", tmp_path, 2)))
        updates = self.collect(system, 3)
        assert all(update.exitStatus == 0 for update in updates.values())
        assert float((tmp_path / "2.start").read_text()) < float((tmp_path / "0.end").read_text())
        assert float((tmp_path / "1.start").read_text()) >= float((tmp_path / "0.end").read_text())
        assert {first, big, small} == set(updates)

    def test_backfill_is_bounded_so_a_big_job_is_not_starved(self, tmp_path: Path) -> None:
        system = SingleMachineBatchSystem(settings(tmp_path, max_cores=2), max_overtakes=3)
        self._systems.append(system)
        system.issueBatchJob(spec(timed("sleep 0.5", tmp_path, 0)))
        system.issueBatchJob(spec(timed("true", tmp_path, 1), cores=2))
        for index in range(2, 8):
            system.issueBatchJob(spec(timed("true", tmp_path, index)))
        self.collect(system, 8)
        big_start = float((tmp_path / "1.start").read_text())
        assert big_start >= float((tmp_path / "0.end").read_text())
        ahead = [i for i in range(2, 8) if float((tmp_path / f"{i}.start").read_text()) < big_start]
        assert ahead == [2, 3, 4]

    def test_jobs_run_in_the_leaders_working_directory(self, tmp_path: Path) -> None:
        system = self.single(tmp_path)
        here = os.getcwd()
        os.chdir(tmp_path)
        try:
            shell = system.issueBatchJob(spec("pwd > shell.cwd"))
            warm = system.issueBatchJob(spec("_record warm.out 0"))
            assert {u.exitStatus for u in self.collect(system, 2).values()} == {0}
        finally:
            os.chdir(here)
        assert (tmp_path / "shell.cwd").read_text().strip() == str(tmp_path)
        assert (tmp_path / "warm.out").exists() and shell != warm

    def test_a_signal_is_a_negative_status(self, tmp_path: Path) -> None:
        system = self.single(tmp_path)
        job = system.issueBatchJob(spec("kill -TERM $$"))
        update = self.collect(system, 1)[job]
        assert (update.exitStatus, update.exitReason) == (-signal.SIGTERM, BatchJobExitReason.FAILED)

    def test_default_limits_come_from_the_machine(self, tmp_path: Path) -> None:
        system = SingleMachineBatchSystem(settings(tmp_path, max_cores=None, max_memory=None))
        self._systems.append(system)
        assert system.limits.cores == machine_cores() >= 1
        assert system.limits.memory == machine_memory()
        assert system.limits.disk > 0
        assert system.limits.accelerators == 0 or system.limits.accelerators > 0

    def test_a_lost_zygote_reports_its_jobs_lost_and_is_replaced(self, tmp_path: Path) -> None:
        system = self.single(tmp_path)
        job = system.issueBatchJob(spec(f"echo $$ > {tmp_path}/job.pid; exec sleep 100"))
        job_pid = read_pid(tmp_path / "job.pid")
        zygote = system.zygote_pid
        assert zygote is not None
        os.kill(zygote, signal.SIGKILL)
        update = self.collect(system, 1)[job]
        assert update.exitReason == BatchJobExitReason.LOST
        wait_until(lambda: not alive(job_pid), 5, "the orphaned job to die with its zygote")
        after = system.issueBatchJob(spec("exit 7"))
        assert self.collect(system, 1)[after].exitStatus == 7
        assert system.zygote_pid not in (None, zygote)

    def test_nothing_runs_after_shutdown(self, tmp_path: Path) -> None:
        system = self.single(tmp_path)
        zygote = system.zygote_pid
        assert zygote is not None
        system.shutdown()
        assert not alive(zygote)
        with pytest.raises(BatchSystemError):
            system.issueBatchJob(spec("true"))
        assert system.getUpdatedBatchJob(0) is None

    def test_jobs_die_when_the_leader_is_killed(self, tmp_path: Path) -> None:
        pid_file = tmp_path / "child.pid"
        leader_script = textwrap.dedent(
            f"""
            import sys, time
            sys.path.insert(0, {str(ROOT)!r})
            from toil.batch.single_machine import SingleMachineBatchSystem
            from toil.core.batchsystem import BatchJobSpec, BatchSystemSettings
            from toil.core.requirements import Requirements
            settings = BatchSystemSettings(max_cores=1, max_memory=None, max_disk=None, work_dir={str(tmp_path)!r})
            system = SingleMachineBatchSystem(settings)
            command = "sleep 100 & echo $! > {pid_file}; wait"
            system.issueBatchJob(BatchJobSpec("j", "j", command, Requirements(cores=1, memory=1, disk=1)))
            time.sleep(100)
            """
        )
        leader = subprocess.Popen([sys.executable, "-c", leader_script])
        try:
            child = read_pid(pid_file, timeout=20)
            assert alive(child)
            leader.send_signal(signal.SIGKILL)
            leader.wait()
            wait_until(lambda: not alive(child), 5, "the job to die with its leader")
        finally:
            leader.kill()
            leader.wait()


class TestWarmRunners(BatchSystemHarness):
    """In-process jobs run one after another in reused runners that are put back between jobs."""

    def runners(self, tmp_path: Path, reuse: bool) -> SingleMachineBatchSystem:
        commands = {**HELPERS, "_disturb": "tests.unit.batch.inprocess_helper:disturb",
                    "_report": "tests.unit.batch.inprocess_helper:report"}
        system = SingleMachineBatchSystem(settings(tmp_path, 1, 4 * GIB), in_process_commands=commands,
                                          reuse_workers=reuse)
        self._systems.append(system)
        return system

    def run_in_turn(self, system: SingleMachineBatchSystem, tmp_path: Path, codes: list[int],
                    extra: str = "") -> list[list[str]]:
        seen = []
        for i, code in enumerate(codes):
            batch_id = system.issueBatchJob(spec(f"_disturb '{tmp_path}/{i}.out' {code} {extra}", cores=1))
            assert self.collect(system, 1)[batch_id].exitStatus == code
            seen.append((tmp_path / f"{i}.out").read_text().split())
        return seen

    def test_jobs_reuse_a_runner_and_never_see_each_others_changes(self, tmp_path: Path) -> None:
        system = self.runners(tmp_path, reuse=True)
        seen = self.run_in_turn(system, tmp_path, [0] * 5)
        assert len({pid for pid, _, _ in seen}) == 1, "one warm runner served every job"
        assert all(cwd == os.getcwd() and value == "-" for _, cwd, value in seen), seen

    def test_a_failed_job_retires_its_runner(self, tmp_path: Path) -> None:
        system = self.runners(tmp_path, reuse=True)
        seen = self.run_in_turn(system, tmp_path, [0, 3, 0])
        assert seen[0][0] == seen[1][0] != seen[2][0]

    def test_a_job_that_leaves_a_thread_retires_its_runner(self, tmp_path: Path) -> None:
        system = self.runners(tmp_path, reuse=True)
        seen = self.run_in_turn(system, tmp_path, [0, 0], extra="thread")
        assert seen[0][0] != seen[1][0]

    def test_a_job_whose_timer_was_just_cancelled_keeps_its_runner(self, tmp_path: Path) -> None:
        system = self.runners(tmp_path, reuse=True)
        seen = self.run_in_turn(system, tmp_path, [0, 0, 0], extra="timer")
        assert len({pid for pid, _, _ in seen}) == 1, "a cancelled Timer still ending cost a fresh runner"

    def test_a_workers_outcome_comes_back_with_its_exit(self, tmp_path: Path) -> None:
        """What a warm runner's worker says it did reaches the leader with the update: no store involved."""
        from toil.core.outcome import JobOutcome

        system = self.runners(tmp_path, reuse=True)
        for name, code in [("first", 0), ("second", 0), ("failed", 1)]:
            batch_id = system.issueBatchJob(spec(f"_report {name} {code}", cores=1))
            update = self.collect(system, 1)[batch_id]
            assert update.exitStatus == code and update.outcome is not None
            assert JobOutcome.from_json(update.outcome).issued == name
        batch_id = system.issueBatchJob(spec("_noop", cores=1))
        assert self.collect(system, 1)[batch_id].outcome is None, "an outcome outlived its job"

    def test_without_reuse_every_job_gets_a_fresh_process(self, tmp_path: Path) -> None:
        system = self.runners(tmp_path, reuse=False)
        seen = self.run_in_turn(system, tmp_path, [0] * 3)
        assert len({pid for pid, _, _ in seen}) == 3
