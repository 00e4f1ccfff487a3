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
- A subclass may let many jobs share one submission (``jobs_per_pack``, ``toil.batch.packs``);
  each job is still reported, killed and retried on its own.
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
from toil.batch.packs import (
    MIN_PACKS,
    PACK_MAX_AGE,
    PACK_WINDOW,
    Pack,
    allocation,
    forget_outcomes,
    member_outcome,
    pack_script,
    read_outcomes,
    slots_for,
    split_sizes,
)
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
    issued: float = 0.0
    pack: Pack | None = None  # the submission carrying it
    pack_size: int | None = None  # how many jobs its pack is to have, once decided
    started: float | None = None  # clock time it was first seen running
    missing_since: float | None = None

    @property
    def scheduler_id(self) -> str:
        return self.pack.scheduler_id if self.pack else ""


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
        self._last_issue = -math.inf
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
        now = self.clock()
        job = _Job(batch_id, spec, log_path, now)
        if now - self._last_issue >= PACK_WINDOW and not self._waiting:
            job.pack_size = 1  # the first job after a quiet spell goes at once; those right behind it wait
        self._last_issue = now
        self._waiting.append(job)
        self._submit_what_fits()
        return batch_id

    def resource_limits(self) -> tuple[float | None, int | None]:
        return self.settings.max_cores, self.settings.max_memory

    def getIssuedBatchJobIDs(self) -> list[int]:
        self._submit_what_fits()
        return [job.batch_id for job in self._waiting] + list(self._submitted)

    def getRunningBatchJobIDs(self) -> dict[int, float]:
        self._submit_what_fits()
        if self.clock() - self._last_poll >= self.grid.state_polling_wait:
            self._poll_or_warn()
        now = self.clock()
        return {bid: now - job.started for bid, job in self._submitted.items() if job.started is not None}

    def getUpdatedBatchJob(self, maxWait: float) -> UpdatedBatchJobInfo | None:
        deadline = self.clock() + maxWait
        while True:
            if self._waiting:
                self._submit_what_fits()
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
            if self._waiting:
                pause = min(pause, PACK_WINDOW / 4)
            self.sleep(pause)

    def killBatchJobs(self, jobIDs: list[int]) -> None:
        doomed = set(jobIDs)
        self._waiting = deque(job for job in self._waiting if job.batch_id not in doomed)
        jobs = [self._submitted[bid] for bid in jobIDs if bid in self._submitted]
        packs = {id(job.pack) for job in jobs}
        innocent = [job for job in self._submitted.values() if id(job.pack) in packs and job.batch_id not in doomed]
        self._cancel(jobs + innocent, keep_outcomes=bool(innocent))
        self._settle(innocent)
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
        while self._waiting and not self._closed:
            group = self._next_group()
            if not group:
                return
            pack = self._pack_for(group)
            if not self._fits(pack.allocation):
                return
            for job in group:
                self._waiting.remove(job)
            self._submit(group, pack)

    def _next_group(self) -> list[_Job]:
        """The jobs of the next submission: the first waiting job, with others packed with it (toil.batch.packs)."""
        head = self._waiting[0]
        limit = self.jobs_per_pack()
        if limit <= 1 or head.pack_size == 1 or head.spec.requirements.accelerators:
            return [head]
        same = [job for job in self._waiting if job.spec.requirements == head.spec.requirements]
        now = self.clock()
        if len(same) < limit * MIN_PACKS and now - self._last_issue < PACK_WINDOW and now - head.issued < PACK_MAX_AGE:
            return []  # more may come: wait for the window to close
        if head.pack_size is None:  # split once, so that jobs waiting for room keep their packs' sizes
            sizes = [size for size in split_sizes(len(same), limit) for _ in range(size)]
            for job, size in zip(same, sizes, strict=True):
                job.pack_size = size
        return same[: head.pack_size]

    def _pack_for(self, group: list[_Job]) -> Pack:
        req = self._need(group[0].spec)
        if len(group) == 1:
            return Pack(req, {group[0].batch_id})
        s = self.settings
        caps: list[tuple[float | None, float]] = [(s.max_cores, req.cores), (s.max_memory, req.memory)]
        node_cores, node_memory = self.node_capacity()
        caps += [(node_cores, req.cores), (node_memory, req.memory)]
        slots = slots_for(req, len(group), caps)
        return Pack(
            allocation(req, slots), {job.batch_id for job in group}, self._outcome_key(group[0].batch_id), slots=slots
        )

    def jobs_per_pack(self) -> int:
        """How many jobs one submission may carry (1: no packing). Packing needs a place for outcomes."""
        return 1

    def node_capacity(self) -> tuple[float | None, float | None]:
        """The largest node's cores and memory in bytes (None when unknown)."""
        return None, None

    def _outcome_key(self, first: int) -> str:
        key = f"grid-pack-{self.run_id}-{first}"
        return key if self.record.store is not None else os.path.join(self.logs_dir, f"{key}.json")

    def _script(self, group: list[_Job], pack: Pack) -> str:
        if len(group) == 1:
            spec = group[0].spec
            command = worker_command(spec.command, deploy_key=self.deploy_key)
            return job_script(command, {**self.environment, **spec.environment})
        locator = self.settings.job_store or getattr(self.settings.options, "jobStore", None)
        document = {
            "store": str(locator) if self.record.store is not None else None,
            "key": pack.key,
            "slots": pack.slots,
            "jobs": [
                {
                    "id": job.batch_id,
                    "env": job.spec.environment,
                    "command": worker_command(job.spec.command, deploy_key=self.deploy_key),
                }
                for job in group
            ],
        }
        return pack_script(sys.executable, self.environment, document)

    def _submit(self, group: list[_Job], pack: Pack) -> None:
        head = group[0]
        request = SubmitRequest(
            job_name(self.run_id, head.batch_id, head.spec.name),
            self._script(group, pack),
            pack.allocation,
            head.log_path,
        )
        argv = self.submit_command(request)
        try:
            stdin = self.submit_input(request)
            result = run_with_retries(self.runner, argv, stdin, self.retry, self.sleep, self.refused_for_good)
            pack.scheduler_id = self.parse_submit(result.stdout)
        except (SchedulerCommandError, ValueError) as e:
            logger.error("Could not submit job %s to %s: %s", head.spec.name, self.scheduler_name, e)
            for job in group:
                self._updates.append(UpdatedBatchJobInfo(job.batch_id, 1, BatchJobExitReason.ERROR, 0.0))
            return
        logger.debug(
            "Submitted %d jobs (%s ...) as %s job %s",
            len(group),
            head.spec.name,
            self.scheduler_name,
            pack.scheduler_id,
        )
        for job in group:
            job.pack = pack
            self._submitted[job.batch_id] = job
        self.submitted_count += 1
        self._usage.add(pack.allocation)

    def _release(self, job: _Job) -> None:
        """Forget a job; the last job of a submission frees its allocation."""
        self._submitted.pop(job.batch_id, None)
        if job.pack is not None and job.batch_id in job.pack.members:
            job.pack.members.discard(job.batch_id)
            if not job.pack.members:
                self._usage.add(job.pack.allocation, -1)

    def _forget_outcomes(self, pack: Pack) -> None:
        if pack.key is not None:
            forget_outcomes(self.record.store, pack.key)

    def _read_outcomes(self, pack: Pack) -> dict[int, tuple[int, float]]:
        """What a pack's runner recorded so far (nothing for a single job or when unreadable)."""
        return read_outcomes(self.record.store, pack.key) if pack.key else {}

    def _member_status(self, job: _Job, status: JobStatus) -> JobStatus:
        """A packed job's own status once its pack has ended."""
        assert job.pack is not None
        if job.pack.key is None:
            return status
        code, reason, wall = member_outcome(job.pack.outcomes.get(job.batch_id), status.reason, status.exit_status)
        return JobStatus(JobPhase.DONE, code, reason, wall, status.detail)

    def _settle(self, innocent: list[_Job]) -> None:
        """Jobs that shared a cancelled submission: report those that had finished, queue the others again."""
        for job in innocent:
            outcome = job.pack.outcomes.get(job.batch_id) if job.pack is not None else None
            if outcome is not None and outcome[0] >= 0:  # a signal here is most likely our cancel's
                reason = BatchJobExitReason.FINISHED if outcome[0] == 0 else BatchJobExitReason.FAILED
                self._updates.append(UpdatedBatchJobInfo(job.batch_id, outcome[0], reason, outcome[1]))
            else:
                self._waiting.appendleft(_Job(job.batch_id, job.spec, job.log_path, self.clock()))

    # -- polling -----------------------------------------------------------------------------------
    def _query(self, jobs: Sequence[_Job], accounting: bool = True) -> dict[str, JobStatus]:
        """One status command (plus one accounting command when jobs are missing from it)."""
        self.polls += 1
        self._last_poll = self.clock()
        ids = list(dict.fromkeys(job.scheduler_id for job in jobs))
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
        read: set[int] = set()  # packs whose outcomes were read in this poll
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
                if job.pack is not None and job.pack.key is not None and id(job.pack) not in read:
                    read.add(id(job.pack))
                    job.pack.outcomes = self._read_outcomes(job.pack)
                self._finish(job, self._member_status(job, self.refine_status(status, job.log_path)))

    def _finish(self, job: _Job, status: JobStatus) -> None:
        self._release(job)
        if job.pack is not None and not job.pack.members:
            self._forget_outcomes(job.pack)
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
    def _cancel(self, jobs: list[_Job], keep_outcomes: bool = False) -> None:
        if not jobs:
            return
        for job in jobs:
            self._release(job)
        ids = list(dict.fromkeys(job.scheduler_id for job in jobs))
        run_with_retries(self.runner, self.kill_command(ids), None, self.retry, self.sleep)
        self._wait_gone(jobs, ids)
        for pack in {id(job.pack): job.pack for job in jobs if job.pack is not None}.values():
            if pack.key is not None:
                pack.outcomes = self._read_outcomes(pack) if keep_outcomes else {}
                self._forget_outcomes(pack)

    def _wait_gone(self, jobs: list[_Job], ids: list[str]) -> None:
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

