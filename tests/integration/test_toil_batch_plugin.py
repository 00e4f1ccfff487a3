"""A batch-system plugin written as Toil's documentation shows runs a workflow on our core.

The plugin below is ours: a subclass of Toil's ``BatchSystemCleanupSupport`` that runs each
job's command as a local process, registered with ``registry.add_batch_system_factory``. It
only knows Toil's extension API; the registry's adapter puts it under our leader.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest

from toil.batchSystems.abstractBatchSystem import BatchJobExitReason, UpdatedBatchJobInfo
from toil.batchSystems.cleanup_support import BatchSystemCleanupSupport
from toil.batchSystems.registry import add_batch_system_factory, get_batch_systems
from toil.common import Toil
from toil.exceptions import FailedJobsException
from toil.job import Job

pytestmark = pytest.mark.integration


class LocalProcessBatchSystem(BatchSystemCleanupSupport):
    """Each job is a child process; a thread per job reports its exit."""

    issued_names: list[str] = []

    @classmethod
    def supportsAutoDeployment(cls) -> bool:
        return False

    def __init__(self, config: Any, maxCores: float, maxMemory: float, maxDisk: int) -> None:
        super().__init__(config, maxCores, maxMemory, maxDisk)
        self.next_id = 0
        self.running: dict[int, tuple[subprocess.Popen[bytes], float]] = {}
        self.updates: Queue[UpdatedBatchJobInfo] = Queue()
        self.lock = threading.Lock()

    def issueBatchJob(self, command: str, job_desc: Any, job_environment: dict[str, str] | None = None) -> int:
        env = {**os.environ, **self.environment, **(job_environment or {})}
        with self.lock:
            job_id, self.next_id = self.next_id, self.next_id + 1
            process = subprocess.Popen(command, shell=True, env=env)
            self.running[job_id] = (process, time.time())
        type(self).issued_names.append(job_desc.jobName)
        threading.Thread(target=self._wait, args=(job_id, process), daemon=True).start()
        return job_id

    def _wait(self, job_id: int, process: subprocess.Popen[bytes]) -> None:
        status = process.wait()
        with self.lock:
            _, started = self.running.pop(job_id, (None, time.time()))
        self.updates.put(UpdatedBatchJobInfo(jobID=job_id, exitStatus=status,
                                             exitReason=BatchJobExitReason.FINISHED, wallTime=time.time() - started))

    def killBatchJobs(self, jobIDs: list[int]) -> None:
        for job_id in jobIDs:
            with self.lock:
                entry = self.running.pop(job_id, None)
            if entry:
                entry[0].kill()
                entry[0].wait()

    def getIssuedBatchJobIDs(self) -> list[int]:
        with self.lock:
            return list(self.running)

    def getRunningBatchJobIDs(self) -> dict[int, float]:
        with self.lock:
            return {job_id: time.time() - started for job_id, (_, started) in self.running.items()}

    def getUpdatedBatchJob(self, maxWait: int) -> UpdatedBatchJobInfo | None:
        try:
            return self.updates.get(timeout=maxWait)
        except Empty:
            return None

    def shutdown(self) -> None:
        self.killBatchJobs(list(self.running))


add_batch_system_factory("local_processes", lambda: LocalProcessBatchSystem)


def square(job: Job, n: int) -> int:
    return n * n


def total(job: Job, values: list[int]) -> int:
    return sum(values)


def root(job: Job, count: int) -> Any:
    squares = [job.addChildJobFn(square, i, cores=1).rv() for i in range(count)]
    return job.addFollowOnJobFn(total, squares).rv()


def fails(job: Job) -> None:
    raise RuntimeError("this job fails on purpose")


def _options(store: Path) -> Any:
    options = Job.Runner.getDefaultOptions(str(store))
    options.batchSystem = "local_processes"
    options.retryCount = 0
    return options


def test_plugin_is_listed() -> None:
    assert "local_processes" in get_batch_systems()


def test_plugin_runs_a_workflow(tmp_path: Path) -> None:
    LocalProcessBatchSystem.issued_names.clear()
    with Toil(_options(tmp_path / "store")) as toil:
        assert toil.start(Job.wrapJobFn(root, 4)) == 0 + 1 + 4 + 9
    # Every job went through the plugin (chaining may fold a sole successor into its parent).
    assert LocalProcessBatchSystem.issued_names.count("square") == 4
    assert "root" in LocalProcessBatchSystem.issued_names


def test_plugin_reports_a_failure(tmp_path: Path) -> None:
    with pytest.raises(FailedJobsException) as raised, Toil(_options(tmp_path / "store")) as toil:
        toil.start(Job.wrapJobFn(fails))
    assert raised.value.numberOfFailedJobs == 1
    assert "fails on purpose" in str(raised.value)
