"""The shared base for batch systems driven by scheduler commands (Slurm, Grid Engine, LSF ...).

A subclass supplies pure pieces: the submit command for a job, the one status command for a
list of jobs and the parser of its output, the kill command, and where finished jobs are looked
up when they have left the queue (accounting). This base does the rest, the same way for every
scheduler:

- ``--maxCores`` / ``--maxMemory`` / ``--maxDisk`` (and ``--maxJobs``) cap what is submitted at
  once; jobs beyond the caps wait here, first in first out, and are submitted as others finish.
- Status: ONE status command per poll for all submitted jobs (never one per job), at most every
  ``--statePollingWait`` seconds. Jobs missing from its output are looked up in accounting with
  one more command, only in polls where some are missing; a job found nowhere for
  ``LOST_AFTER`` seconds is reported LOST.
- Failing scheduler commands are retried with back-off (``RetryPolicy``); a submission the
  scheduler refuses for good is reported as an ERROR update for that job, not raised.
- ``killBatchJobs`` and ``shutdown`` cancel with one command for all ids, then wait (polling)
  until the scheduler no longer runs them.
- Each job's stdout and stderr go to ``--batchLogsDir`` (default ``--workDir``) as
  ``toil_<run>_<batch id>.log``; the file is kept. When the nodes cannot see that directory
  (no shared disk), the log stays in the node's ``/tmp`` under the same name.
- Workers run as ``<leader's python> -m toil.batch.run_worker`` (not ``_toil_worker`` from
  PATH, which schedulers may reset); the user's modules travel through the job store
  (``toil.batch.deploy``) unless ``--disableAutoDeployment``.
- The running scheduler ids are recorded in the job store (``toil.batch.orphans``); a
  ``--restart`` after a leader died without shutting down cancels what it left running.
"""

from __future__ import annotations

import abc
import argparse
import enum
import itertools
import logging
import math
import os
import re
import shlex
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from toil.batch.deploy import open_store, save_user_modules
from toil.batch.grid_commands import (
    CommandResult,
    CommandRunner,
    RetryPolicy,
    SchedulerCommandError,
    job_environment_lines,
    run_command,
    run_with_retries,
)
from toil.batch.grid_options import GridSettings, add_grid_options
from toil.batch.orphans import JobRecord, cancel_recorded_jobs
from toil.batch.shared_fs import check_paths_reachable
from toil.core.batchsystem import (
    AbstractBatchSystem,
    BatchJobExitReason,
    BatchJobSpec,
    BatchSystemSettings,
    InsufficientSystemResources,
    UpdatedBatchJobInfo,
)
from toil.core.jobstore import AbstractJobStore, JobStoreError
from toil.core.requirements import Requirements, bytes2human

logger = logging.getLogger(__name__)

LOST_AFTER = 120.0  # seconds a submitted job may be missing from status and accounting
NODE_LOGS_DIR = "/tmp"  # where job logs go on nodes that cannot see --batchLogsDir
LOST_EXIT_STATUS = 255
KILL_WAIT = 120.0  # seconds killBatchJobs waits for the scheduler to stop the jobs


class JobPhase(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"


@dataclass(frozen=True)
class JobStatus:
    """What the scheduler says about one job."""

    phase: JobPhase
    exit_status: int = 0
    reason: BatchJobExitReason | None = None
    wall_time: float | None = None  # seconds it ran (so far)
    detail: str = ""  # the scheduler's own state and reason, for messages
    stuck: bool = False  # ended for us, but the scheduler keeps it (an error state): cancel it


@dataclass(frozen=True)
class SubmitRequest:
    """Everything a scheduler's submit command is built from."""

    name: str  # scheduler job name (safe characters only)
    script: str  # a POSIX sh script, given to the submit command on stdin
    requirements: Requirements
    log_path: str  # stdout and stderr of the job


@dataclass
class _Job:
    batch_id: int
    spec: BatchJobSpec
    log_path: str
    scheduler_id: str = ""
    started: float | None = None  # clock time it was first seen running
    missing_since: float | None = None


@dataclass
class _Usage:
    cores: float = 0.0
    memory: int = 0
    disk: int = 0
    jobs: int = 0

    def add(self, req: Requirements, sign: int = 1) -> None:
        self.cores += sign * req.cores
        self.memory += sign * req.memory
        self.disk += sign * req.disk
        self.jobs += sign


def job_name(run_id: str, batch_id: int, name: str, limit: int = 64) -> str:
    """A scheduler job name: ``toil_<run>_<batch id>_<job name>`` with only safe characters."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return f"toil_{run_id}_{batch_id}_{safe}"[:limit]


WORKER_SCRIPT = "_toil_worker"


def worker_command(command: str, python: str = sys.executable, deploy_key: str | None = None) -> str:
    """Run the worker with the leader's interpreter (an absolute path), not a script found on PATH."""
    first, _, rest = command.partition(" ")
    if first != WORKER_SCRIPT:
        return command
    deploy = f"--deploy {shlex.quote(deploy_key)} " if deploy_key else ""
    return f"{shlex.quote(python)} -m toil.batch.run_worker {deploy}{rest}"


def job_script(command: str, environment: dict[str, str]) -> str:
    """The sh script a scheduler runs for a job: environment exports, then the command."""
    return "\n".join(["#!/bin/sh", *job_environment_lines(environment), command, ""])


class GridBatchSystem(AbstractBatchSystem):
    """Run jobs through a scheduler's commands; subclasses say which commands and how to read them."""

    scheduler_name = "grid"

    def __init__(
        self,
        settings: BatchSystemSettings,
        *,
        runner: CommandRunner = run_command,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        retry: RetryPolicy | None = None,
        memory_floor: int = 0,
    ) -> None:
        self.settings = settings
        self.grid = GridSettings.from_options(settings.options, settings.work_dir)
        self.runner = runner
        self.clock = clock
        self.sleep = sleep
        self.retry = retry or RetryPolicy()
        self.memory_floor = memory_floor  # raise smaller memory requests to this (test clusters)
        self.environment: dict[str, str] = {}
        self.run_id = uuid.uuid4().hex[:8]
        self.submitted_count = 0
        self.polls = 0  # status queries made (each is one scheduler command, plus accounting if needed)
        self._ids = itertools.count(1)
        self._waiting: deque[_Job] = deque()
        self._submitted: dict[int, _Job] = {}
        self._updates: deque[UpdatedBatchJobInfo] = deque()
        self._usage = _Usage()
        self._statuses: dict[str, JobStatus] = {}
        self._last_poll = -math.inf
        self._closed = False
        self.deploy_key: str | None = None  # job-store key of the user's modules (auto-deployment)
        os.makedirs(self.grid.batch_logs_dir, exist_ok=True)
        self.logs_dir = self.grid.batch_logs_dir if self.check_reachable() else NODE_LOGS_DIR
        self.record = JobRecord(self._open_store(), self.scheduler_name)
        cancel_recorded_jobs(self.record, lambda ids: self.runner(self.kill_command(ids)))
        self.deploy_user_modules()

    # -- options -----------------------------------------------------------------------------------
    @classmethod
    def add_options(cls, parser: argparse.ArgumentParser) -> None:
        add_grid_options(parser)

    # -- what a subclass provides ------------------------------------------------------------------
    @abc.abstractmethod
    def submit_command(self, request: SubmitRequest) -> list[str]:
        """The argv that submits a job whose script comes on stdin."""

    @abc.abstractmethod
    def parse_submit(self, stdout: str) -> str:
        """The scheduler's job id from the submit command's output."""

    def submit_input(self, request: SubmitRequest) -> str:
        """What the submit command reads on stdin: the job script, unless a scheduler wants otherwise."""
        return request.script

    @abc.abstractmethod
    def status_command(self, scheduler_ids: list[str]) -> list[str]:
        """ONE command that reports the state of all these jobs."""

    @abc.abstractmethod
    def parse_status(self, stdout: str) -> dict[str, JobStatus]:
        """Parse the status command's output (jobs it does not list are missing)."""

    @abc.abstractmethod
    def kill_command(self, scheduler_ids: list[str]) -> list[str]:
        """ONE command that cancels all these jobs."""

    def accounting(self, scheduler_ids: list[str]) -> dict[str, JobStatus]:
        """Look up jobs that left the queue (one command for all); jobs not found are left out."""
        return {}

    def status_failure_is_empty(self, result: CommandResult) -> bool:
        """Tell a status command that failed only because some jobs are not known any more."""
        return False

    def refused_for_good(self, result: CommandResult) -> bool:
        """Tell a submission the scheduler will never accept (no retry) from a passing failure."""
        return False

    def refine_status(self, status: JobStatus, log_path: str) -> JobStatus:
        """Improve a finished job's status from what its batch log says (e.g. memory kills)."""
        return status

    def node_hosts(self) -> list[str] | None:
        """The hosts jobs may run on, for the shared-filesystem check; None when unknown."""
        return None

    # -- start-up check ----------------------------------------------------------------------------
    def check_reachable(self) -> bool:
        """Refuse to start when workers could not reach the job store; tell whether they see the batch logs."""
        locator = self.settings.job_store or getattr(self.settings.options, "jobStore", None)
        if not locator:
            return True
        return check_paths_reachable(str(locator), self.settings.work_dir, self.grid.batch_logs_dir,
                                     self.scheduler_name, self.node_hosts)

    def _open_store(self) -> AbstractJobStore | None:
        locator = self.settings.job_store or getattr(self.settings.options, "jobStore", None)
        if not locator:
            return None
        try:
            return open_store(str(locator))
        except (OSError, ValueError, JobStoreError) as e:
            logger.debug("No job store to record scheduler jobs in: %s", e)
            return None

    def deploy_user_modules(self) -> None:
        """Save the user's script and the modules beside it in the job store for workers (toil.batch.deploy)."""
        locator = self.settings.job_store or getattr(self.settings.options, "jobStore", None)
        if not locator or self.grid.disable_auto_deployment:
            return
        try:
            self.deploy_key = save_user_modules(str(locator))
        except (OSError, ValueError, JobStoreError) as e:
            logger.warning("Auto-deployment is off: could not save the user's modules in the job store: %s", e)

    def supportsAutoDeployment(self) -> bool:
        return True

    # -- the contract ------------------------------------------------------------------------------
    def _need(self, spec: BatchJobSpec) -> Requirements:
        req = spec.requirements
        if req.memory < self.memory_floor:
            req = Requirements(req.cores, self.memory_floor, req.disk, req.accelerators, req.preemptible)
        return req

    def check_resource_request(self, spec: BatchJobSpec) -> None:
        req, s = spec.requirements, self.settings
        where = f"--max* on the {self.scheduler_name} batch system"
        if s.max_cores is not None and req.cores > s.max_cores + 1e-9:
            raise InsufficientSystemResources(spec.name, "cores", f"{req.cores:g}", f"{s.max_cores:g}", where)
        if s.max_memory is not None and req.memory > s.max_memory:
            raise InsufficientSystemResources(spec.name, "memory", bytes2human(req.memory),
                                              bytes2human(s.max_memory), where)
        if s.max_disk is not None and req.disk > s.max_disk:
            raise InsufficientSystemResources(spec.name, "disk", bytes2human(req.disk), bytes2human(s.max_disk), where)

    def issueBatchJob(self, spec: BatchJobSpec) -> int:
        self.check_resource_request(spec)
        batch_id = next(self._ids)
        log_path = os.path.join(self.logs_dir, f"toil_{self.run_id}_{batch_id}.log")
        self._waiting.append(_Job(batch_id, spec, log_path))
        self._submit_what_fits()
        return batch_id

    def resource_limits(self) -> tuple[float | None, int | None]:
        return self.settings.max_cores, self.settings.max_memory

    def getIssuedBatchJobIDs(self) -> list[int]:
        return [job.batch_id for job in self._waiting] + list(self._submitted)

    def getRunningBatchJobIDs(self) -> dict[int, float]:
        if self.clock() - self._last_poll >= self.grid.state_polling_wait:
            self._poll_or_warn()
        now = self.clock()
        return {bid: now - job.started for bid, job in self._submitted.items() if job.started is not None}

    def getUpdatedBatchJob(self, maxWait: float) -> UpdatedBatchJobInfo | None:
        deadline = self.clock() + maxWait
        while True:
            if self._updates:
                return self._updates.popleft()
            now = self.clock()
            if self._submitted and now - self._last_poll >= self.grid.state_polling_wait:
                self._poll_or_warn()
                self._submit_what_fits()
                continue
            remaining = deadline - now
            if remaining <= 0:
                return None
            pause = remaining
            if self._submitted:
                pause = min(pause, max(0.0, self._last_poll + self.grid.state_polling_wait - now))
            self.sleep(pause)

    def killBatchJobs(self, jobIDs: list[int]) -> None:
        doomed = set(jobIDs)
        self._waiting = deque(job for job in self._waiting if job.batch_id not in doomed)
        jobs = [self._submitted[bid] for bid in jobIDs if bid in self._submitted]
        self._cancel(jobs)
        self._updates = deque(u for u in self._updates if u.jobID not in doomed)
        self._submit_what_fits()

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._waiting.clear()
        try:
            self._cancel(list(self._submitted.values()))
        except SchedulerCommandError as e:
            logger.error("Could not cancel the %s jobs of this workflow: %s", self.scheduler_name, e)
        self._updates.clear()
        self.record.update(set())
        logger.info("%s: %d jobs submitted, %d status queries (polls)", self.scheduler_name, self.submitted_count,
                    self.polls)

    # -- submitting --------------------------------------------------------------------------------
    def _fits(self, req: Requirements) -> bool:
        s, used = self.settings, self._usage
        if used.jobs == 0:
            return True  # a job within the caps always fits an empty cluster
        return not (
            (s.max_cores is not None and used.cores + req.cores > s.max_cores + 1e-9)
            or (s.max_memory is not None and used.memory + req.memory > s.max_memory)
            or (s.max_disk is not None and used.disk + req.disk > s.max_disk)
            or (self.grid.max_jobs is not None and used.jobs >= self.grid.max_jobs)
        )

    def _submit_what_fits(self) -> None:
        while self._waiting and not self._closed and self._fits(self._waiting[0].spec.requirements):
            job = self._waiting.popleft()
            self._submit(job)

    def _submit(self, job: _Job) -> None:
        spec = job.spec
        environment = {**self.environment, **spec.environment}
        command = worker_command(spec.command, deploy_key=self.deploy_key)
        request = SubmitRequest(job_name(self.run_id, job.batch_id, spec.name), job_script(command, environment),
                                self._need(spec), job.log_path)
        argv = self.submit_command(request)
        try:
            stdin = self.submit_input(request)
            result = run_with_retries(self.runner, argv, stdin, self.retry, self.sleep, self.refused_for_good)
            job.scheduler_id = self.parse_submit(result.stdout)
        except (SchedulerCommandError, ValueError) as e:
            logger.error("Could not submit job %s to %s: %s", spec.name, self.scheduler_name, e)
            self._updates.append(UpdatedBatchJobInfo(job.batch_id, 1, BatchJobExitReason.ERROR, 0.0))
            return
        logger.debug("Submitted %s as %s job %s", spec.name, self.scheduler_name, job.scheduler_id)
        self._submitted[job.batch_id] = job
        self.submitted_count += 1
        self._usage.add(spec.requirements)

    # -- polling -----------------------------------------------------------------------------------
    def _query(self, jobs: Sequence[_Job], accounting: bool = True) -> dict[str, JobStatus]:
        """One status command (plus one accounting command when jobs are missing from it)."""
        self.polls += 1
        self._last_poll = self.clock()
        ids = [job.scheduler_id for job in jobs]
        try:
            result = run_with_retries(self.runner, self.status_command(ids), None, self.retry, self.sleep,
                                      self.status_failure_is_empty)
            statuses = self.parse_status(result.stdout)
        except SchedulerCommandError as e:
            if not self.status_failure_is_empty(e.result):
                raise
            statuses = self.parse_status(e.result.stdout)  # what it knew of the jobs it still knows
        missing = [sid for sid in ids if sid not in statuses]
        if missing and accounting:
            statuses.update(self.accounting(missing))
        return statuses

    def _poll_or_warn(self) -> None:
        """Poll; a scheduler that keeps failing is reported and asked again at the next poll."""
        try:
            self._poll()
        except SchedulerCommandError as e:
            logger.error("Could not ask %s for the state of its jobs (will ask again): %s", self.scheduler_name, e)
        self.record.update({job.scheduler_id for job in self._submitted.values()})

    def _poll(self) -> None:
        jobs = list(self._submitted.values())
        if not jobs:
            self._last_poll = self.clock()
            return
        statuses = self._query(jobs)
        now = self.clock()
        stuck = [job.scheduler_id for job in jobs
                 if job.scheduler_id in statuses and statuses[job.scheduler_id].stuck]
        if stuck:
            logger.warning("%s jobs %s are stuck in an error state; cancelling them", self.scheduler_name,
                           " ".join(stuck))
            self.runner(self.kill_command(stuck))
        for job in jobs:
            status = statuses.get(job.scheduler_id)
            if status is None:
                if job.missing_since is None:
                    job.missing_since = now
                elif now - job.missing_since > LOST_AFTER:
                    logger.warning("%s job %s (%s) has vanished", self.scheduler_name, job.scheduler_id, job.spec.name)
                    self._finish(job, JobStatus(JobPhase.DONE, LOST_EXIT_STATUS, BatchJobExitReason.LOST))
                continue
            job.missing_since = None
            if status.phase is JobPhase.RUNNING and job.started is None:
                job.started = now - (status.wall_time or 0.0)
            elif status.phase is JobPhase.DONE:
                self._finish(job, self.refine_status(status, job.log_path))

    def _finish(self, job: _Job, status: JobStatus) -> None:
        del self._submitted[job.batch_id]
        self._usage.add(job.spec.requirements, -1)
        wall = status.wall_time
        if wall is None:
            wall = self.clock() - job.started if job.started is not None else 0.0
        reason = status.reason or (BatchJobExitReason.FINISHED if status.exit_status == 0
                                   else BatchJobExitReason.FAILED)
        if reason is not BatchJobExitReason.FINISHED:
            logger.info("%s job %s (%s) ended: %s, exit status %d%s", self.scheduler_name, job.scheduler_id,
                        job.spec.name, reason.name, status.exit_status,
                        f" [{status.detail}]" if status.detail else "")
        self._updates.append(UpdatedBatchJobInfo(job.batch_id, status.exit_status, reason, max(0.0, wall)))

    # -- killing -----------------------------------------------------------------------------------
    def _cancel(self, jobs: list[_Job]) -> None:
        if not jobs:
            return
        for job in jobs:
            self._submitted.pop(job.batch_id, None)
            self._usage.add(job.spec.requirements, -1)
        ids = [job.scheduler_id for job in jobs]
        run_with_retries(self.runner, self.kill_command(ids), None, self.retry, self.sleep)
        deadline = self.clock() + KILL_WAIT
        pause = 0.1
        while True:
            statuses = self._query(jobs, accounting=False)  # gone from the queue is gone enough
            alive = [sid for sid in ids if sid in statuses and statuses[sid].phase is not JobPhase.DONE]
            if not alive:
                return
            if self.clock() > deadline:
                logger.warning("%s jobs %s were cancelled but still run after %g s", self.scheduler_name,
                               " ".join(alive), KILL_WAIT)
                return
            self.sleep(pause)
            pause = min(1.0, pause * 1.5)

