"""The leader: feeds batch-system updates and time to the state machine, runs its answers."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import heapq
import logging
import os
import shlex
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toil.core import payload, serialize, worker
from toil.core.batchsystem import AbstractBatchSystem, BatchJobSpec, UpdatedBatchJobInfo
from toil.core.description import JobDescription, RecordError
from toil.core.job import PermanentJobFailure
from toil.core.jobstore import AbstractJobStore, NoSuchBlobError
from toil.core.outcome import OUTCOME_PREFIX, Attempt, AttemptMeter, JobError, JobOutcome
from toil.core.records import RecordWriter
from toil.core.requirements import RequirementError, parse_requirements
from toil.core.services import DEFAULT_DEADLOCK_CHECK_INTERVAL, DEFAULT_DEADLOCK_WAIT, ServiceManager
from toil.core.settings import WorkflowSettings
from toil.core.state import (
    DEFAULT_BACKOFF,
    Instruction,
    IssueJob,
    JobCommitted,
    JobFailed,
    JobGaveUp,
    KillJobs,
    ResetJob,
    RunLocal,
    SchedulingState,
    ServiceStarted,
    Start,
    StopServices,
    Tick,
    Validation,
    WakeAt,
    WorkflowFinished,
    validation_for,
)
from toil.core.trace import TraceWriter
from toil.core.watch import RunWatch

logger = logging.getLogger(__name__)

IDLE_WAIT = 10.0
LOG_TAIL_LINES = 40
#: mark the log records that report a failed job, and those that show its log (``record.toil_report``),
#: so that front-ends can keep them out of the way of their own error line
FAILURE_REPORT = {"toil_report": "failure"}
JOB_LOG_REPORT = {"toil_report": "job_log"}


@dataclass(frozen=True)
class ServiceLimits:
    max_service_jobs: int = sys.maxsize
    deadlock_wait: float = DEFAULT_DEADLOCK_WAIT
    check_interval: float = DEFAULT_DEADLOCK_CHECK_INTERVAL


@dataclass
class FailedJob:
    job_id: str
    name: str
    reason: str
    #: what the job raised, when its worker said (None: killed, lost, or a batch-system failure)
    error: JobError | None = None


@dataclass
class LeaderResult:
    success: bool
    failed: list[FailedJob] = field(default_factory=list)
    stuck: int = 0  # jobs that could never run (their graph cannot complete)


def load_graph(store: AbstractJobStore, root_id: str) -> list[JobDescription]:
    """Read every record reachable from the root (restart and fresh start alike)."""
    records: list[JobDescription] = []
    seen = {root_id}
    stack = [root_id]
    while stack:
        record = worker.read_record(store, stack.pop())
        records.append(payload.lighten(record))
        if record.ran:
            worker.apply_deletions(store, record)  # a crash may have cut them short
        for successor in record.successors + record.service_ids:
            if successor not in seen:
                seen.add(successor)
                stack.append(successor)
    return records


class Leader:
    def __init__(
        self,
        store: AbstractJobStore,
        settings: WorkflowSettings,
        batch: AbstractBatchSystem,
        locator: str,
        retry_count: int = 1,
        max_job_duration: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        services: ServiceLimits | None = None,
        stop_on_failure: bool = False,
        validation: Validation | None = None,
        trace: TraceWriter | None = None,
        watch: RunWatch | None = None,
        records: RecordWriter | None = None,
        backoff: tuple[float, float] = DEFAULT_BACKOFF,
        double_memory: bool = False,
    ) -> None:
        self.store = store
        self.settings = settings
        self.batch = batch
        self.locator = locator
        if validation is None:  # TOIL_VALIDATE_STATE=1: after every event; --logDebug: sampled
            validation = validation_for(os.environ, logger.isEnabledFor(logging.DEBUG))
        self.state = SchedulingState(retry_count, validation=validation, backoff=backoff)
        if validation is not Validation.OFF:
            logger.debug("The scheduling state checks its invariants: %s", validation.value)
        self.max_job_duration = max_job_duration
        self.clock = clock
        self.issued: dict[int, str] = {}  # batch id -> job id
        self.wakes: list[float] = []
        self.result = LeaderResult(success=False)
        self.local_queue: deque[str] = deque()  # jobs the leader runs itself, first in first out
        self.errors: dict[str, JobError] = {}  # the last error each failing job raised
        self.trace = trace  # --trace: a row per job attempt
        self.watch = watch or RunWatch()  # counts; the status line, log summary and metrics on a timer
        self.watch.bind(self.state, self.issued, batch, clock)
        self.records = records  # a record per job attempt in the job store, for reports
        if records is not None:
            records.set_parents(self._parents)
        #: after a job fails for good, start nothing new and end once what runs has finished
        self.stop_on_failure = stop_on_failure
        self.stopping = False
        #: --doubleMem: a job the batch system killed for memory is retried with twice the memory
        self.double_memory = double_memory
        self.memory_factor: dict[str, int] = {}  # job id -> times its memory was doubled so far
        limits = services or ServiceLimits()
        self.services = ServiceManager(store, limits.max_service_jobs, limits.deadlock_wait, limits.check_interval)

    def run(self, root_id: str) -> LeaderResult:
        self._drop_stale_outcomes()
        records = load_graph(self.store, root_id)
        logger.info("Running a workflow of %d known jobs", len(records))
        self.watch.start(records)
        self._execute(self.state.handle(Start(root_id, records)))
        while not self.state.finished:
            self._run_local_jobs()
            if self.state.finished or (self.stopping and not self.issued):
                break
            update = self.batch.getUpdatedBatchJob(self._wait_time())
            if update is not None:
                self._on_update(update)
            self._on_time()
        if not self.result.success:
            counts = self.state.counts()
            self.result.stuck = counts["waiting"]
        return self.result

    # -- waiting --------------------------------------------------------------------------
    def _wait_time(self) -> float:
        wait = min(IDLE_WAIT, self.watch.due(self.clock()))
        if self.wakes:
            wait = min(wait, max(0.0, self.wakes[0] - self.clock()))
        if self.max_job_duration is not None:
            wait = min(wait, 1.0)
        if self.services.live:
            wait = min(wait, 0.1 if self.services.starting else 1.0)
        return wait

    def _on_time(self) -> None:
        now = self.clock()
        if self.records is not None:
            self.records.tick()
        if self.wakes and self.wakes[0] <= now:
            while self.wakes and self.wakes[0] <= now:
                heapq.heappop(self.wakes)
            self._execute(self.state.handle(Tick(now)))
        if self.max_job_duration is not None and not self.state.finished:
            self._kill_overdue(now)
        if self.services.live and not self.state.finished:
            self._watch_services(now)
        self.watch.tick(now)

    def _watch_services(self, now: float) -> None:
        for job_id in self.services.poll_started():
            logger.debug("Service %s started", self.state.record(job_id))
            self._execute(self.state.handle(ServiceStarted(job_id)))
        running = {self.issued[b] for b in self.batch.getRunningBatchJobIDs() if b in self.issued}
        waiting = bool(self.local_queue) or len(self.issued) > len(running) or bool(self.services.queue)
        names = {job_id: self.state.record(job_id).name for job_id in running}
        self.services.check_deadlock(now, running, waiting, names)

    def _kill_overdue(self, now: float) -> None:
        assert self.max_job_duration is not None
        overdue = [bid for bid, secs in self.batch.getRunningBatchJobIDs().items() if secs > self.max_job_duration]
        if not overdue:
            return
        self.batch.killBatchJobs(overdue)
        for batch_id in overdue:
            job_id = self.issued.pop(batch_id)
            reason = f"ran longer than --maxJobDuration {self.max_job_duration:g} s and was killed"
            logger.warning("Job %s %s", self.state.record(job_id), reason)
            self._trace_unmeasured(job_id, "KILLED", -9)
            self._execute(self.state.handle(JobFailed(job_id, now, reason)))

    # -- instructions ---------------------------------------------------------------------
    def _execute(self, instructions: list[Instruction]) -> None:
        for instruction in instructions:
            if isinstance(instruction, IssueJob):
                self._issue(instruction.job_id)
            elif isinstance(instruction, RunLocal):
                self.local_queue.append(instruction.job_id)
            elif isinstance(instruction, WakeAt):
                heapq.heappush(self.wakes, instruction.when)
            elif isinstance(instruction, JobGaveUp):
                self._gave_up(instruction)
            elif isinstance(instruction, WorkflowFinished):
                self.result.success = instruction.success
            elif isinstance(instruction, StopServices):
                self.services.stop(instruction.job_ids)
            elif isinstance(instruction, KillJobs):
                self._kill_jobs(instruction.job_ids)
            elif isinstance(instruction, ResetJob):
                logger.warning("Running checkpoint %s again: %s", instruction.record, instruction.reason)
                self.store.put("jobs", instruction.record.job_id, instruction.record.to_json())

    def _kill_jobs(self, job_ids: list[str]) -> None:
        doomed = set(job_ids)
        batch_ids = [b for b, job_id in self.issued.items() if job_id in doomed]
        if batch_ids:
            self.batch.killBatchJobs(batch_ids)
        for batch_id in batch_ids:
            del self.issued[batch_id]
        self.local_queue = deque(j for j in self.local_queue if j not in doomed)
        for job_id in job_ids:
            for admitted in self.services.finished(job_id):
                self._submit(admitted)

    def _issue(self, job_id: str) -> None:
        if self.stopping:
            return  # a job failed and the workflow stops on failure: start nothing new
        if self.state.record(job_id).kind == "service" and not self.services.admit(job_id):
            return  # held back by --maxServiceJobs
        self._submit(job_id)

    def _submit(self, job_id: str) -> None:
        record = self.state.record(job_id)
        requirements = record.requirements
        if record.promised_requirements:
            requirements = self._resolve_promised(record)
        if job_id in self.memory_factor:  # --doubleMem
            requirements = dataclasses.replace(requirements, memory=requirements.memory * self.memory_factor[job_id])
        command = f"_toil_worker {shlex.quote(record.name)} {shlex.quote(self.locator)} {job_id}"
        spec = BatchJobSpec(job_id, record.display_name or record.name, command, requirements,
                            dict(self.settings.environment))
        submitted = time.time()  # before: a warm runner may start it before issueBatchJob returns
        batch_id = self.batch.issueBatchJob(spec)
        self.issued[batch_id] = job_id
        self.watch.issued(record)
        if self.trace is not None:
            self.trace.issued(job_id, batch_id, submitted)
        if self.records is not None:
            self.records.issued(job_id, submitted)
        logger.debug("Issued job %s as batch job %d", record, batch_id)

    def _resolve_promised(self, record: JobDescription) -> Any:
        reader = serialize.ResultReader(lambda job_id: payload.read_result(self.store, job_id))
        promised = serialize.loads(base64.b64decode(record.promised_requirements), reader)
        values = {name: requirement.getValue() for name, requirement in promised.items()}
        try:
            return parse_requirements(values, record.requirements)
        except RequirementError as e:
            raise RequirementError(f"Job {record}: promised requirement: {e}") from None

    def _run_local_jobs(self) -> None:
        while self.local_queue and not self.state.finished and not self.stopping:
            job_id = self.local_queue.popleft()
            record = self.state.record(job_id)
            meter = AttemptMeter(job_id) if self._measuring else None
            try:
                commit = worker.run_job(self.store, self.settings, record)
            except Exception as e:  # noqa: BLE001 - a job may raise anything
                logger.exception("Local job %s failed", record, extra=FAILURE_REPORT)
                error = JobError.of(job_id, e, isinstance(e, PermanentJobFailure))
                self.errors[job_id] = error
                self._trace_attempts([meter.finish(ok=False)] if meter else [], {}, 1)
                if self.records is not None:
                    self.records.failure_log(job_id, error.reason, traceback.format_exc())
                self._execute(self.state.handle(JobFailed(job_id, self.clock(), error.reason, error.permanent)))
                continue
            self._trace_attempts([meter.finish(ok=True)] if meter else [], {}, 0)
            self._apply(JobOutcome(job_id, [commit.record], commit.created))

    # -- updates --------------------------------------------------------------------------
    def _on_update(self, update: UpdatedBatchJobInfo) -> None:
        job_id = self.issued.pop(update.jobID, None)
        if job_id is None:
            return  # killed on purpose, or not ours
        if job_id in self.services.live:
            self._on_service_update(job_id, update)
            return
        outcome = self._outcome_of(job_id, update)
        if outcome is not None and (outcome.committed or outcome.failure is not None):
            created = {r.job_id: r for r in outcome.created}
            if self._measuring:
                self._trace_attempts(outcome.attempts, created, update.exitStatus)
            self.watch.measured(outcome.attempts, created)  # before the state forgets the jobs done
            self._apply(outcome)
            return
        try:
            record = worker.read_record(self.store, job_id)
        except NoSuchBlobError:
            record = None
        if record is not None and record.ran:
            failed = self._failed_in_chain(record, update) if update.exitStatus != 0 else None
            self._trace_unmeasured(job_id, "COMPLETED", 0)
            self._committed(record, failed)
            return
        lost = update.exitReason is not None and update.exitReason.name in ("KILLED", "LOST", "MEMLIMIT")
        if self.double_memory and update.exitReason is not None and update.exitReason.name == "MEMLIMIT":
            self.memory_factor[job_id] = 2 * self.memory_factor.get(job_id, 1)
            logger.info("Job %s was killed for its memory; a retry asks for %d times its memory",
                        self.state.record(job_id), self.memory_factor[job_id])
        self._trace_unmeasured(job_id, "KILLED" if lost else "FAILED", update.exitStatus)
        reason, permanent = self._failure_reason(self.state.record(job_id), update)
        self._execute(self.state.handle(JobFailed(job_id, self.clock(), reason, permanent)))

    def _outcome_of(self, job_id: str, update: UpdatedBatchJobInfo) -> JobOutcome | None:
        """What the worker said it did: from the batch system, else from the store (then removed)."""
        raw = update.outcome
        if raw is None:
            try:
                raw = self.store.get("logs", OUTCOME_PREFIX + job_id)
            except NoSuchBlobError:
                return None  # killed before it could say: the records in the store tell
            self.store.delete("logs", OUTCOME_PREFIX + job_id)
        try:
            outcome = JobOutcome.from_json(raw)
        except RecordError as e:
            logger.warning("Job %s: %s; reading its records instead", self.state.record(job_id), e)
            return None
        return outcome if outcome.issued == job_id else None

    def _apply(self, outcome: JobOutcome) -> None:
        """Turn a worker's outcome into the state's event: committed (maybe failed further on), or failed."""
        failure = outcome.failure
        latest = {record.job_id: record for record in outcome.created}
        latest.update((record.job_id, record) for record in outcome.committed[1:])
        known = self.state.nodes
        if failure is not None:
            self.errors[failure.job_id] = failure
            failed_job = known[failure.job_id].record if failure.job_id in known else latest.get(failure.job_id)
            self._report_failure(failed_job or failure.job_id, failure.reason, outcome.log_tail)
        if not outcome.committed:
            assert failure is not None
            self._execute(self.state.handle(JobFailed(outcome.issued, self.clock(), failure.reason, failure.permanent)))
            return
        first, *later = outcome.committed
        new = [payload.lighten(record) for record in latest.values() if record.job_id not in known]
        chained = [payload.lighten(record) for record in later if record.job_id in known]
        failed = (failure.job_id, failure.reason, failure.permanent) if failure is not None else None
        self._commit(payload.lighten(first), new, chained, failed)

    def _on_service_update(self, job_id: str, update: UpdatedBatchJobInfo) -> None:
        admitted = self.services.finished(job_id)
        record = worker.read_record(self.store, job_id)
        if record.ran:
            self.watch.completed(record)
            self._execute(self.state.handle(JobCommitted(payload.lighten(record), now=self.clock())))
        else:
            reason, permanent = self._failure_reason(record, update)
            self._execute(self.state.handle(JobFailed(job_id, self.clock(), reason, permanent)))
        for queued in admitted:
            self._submit(queued)

    def _committed(self, record: JobDescription, failed: tuple[str, str, bool] | None = None) -> None:
        """A job committed and its worker said nothing more: its successors' records tell the rest."""
        new_records, chained = self._successor_records(record)
        self._commit(payload.lighten(record), new_records, chained, failed)

    def _commit(self, record: JobDescription, new_records: list[JobDescription], chained: list[JobDescription],
                failed: tuple[str, str, bool] | None) -> None:
        for ran in [record, *new_records, *chained]:
            if ran.ran:
                self.watch.completed(ran)
                for level, text in ran.messages:
                    logger.log(level, "Job %s: %s", ran.display_name or ran.name, text)
        failed_id, reason, permanent = failed if failed is not None else (None, "", False)
        event = JobCommitted(record, new_records, chained, failed_id, reason, self.clock(), permanent)
        self._execute(self.state.handle(event))

    def _failed_in_chain(self, record: JobDescription, update: UpdatedBatchJobInfo) -> tuple[str, str, bool] | None:
        """The job a worker chained into and failed on, after committing the job it was issued.

        The worker stops at its first failure, so it is the first job along the chain of
        sole successors that has not committed.
        """
        successor = worker.chained_successor(self.store, self.settings, record)
        while successor is not None:
            if not successor.ran:
                return successor.job_id, *self._failure_reason(successor, update)
            successor = worker.chained_successor(self.store, self.settings, successor)
        return None

    def _successor_records(self, record: JobDescription) -> tuple[list[JobDescription], list[JobDescription]]:
        """Records of successors the state has not seen, and of known ones the worker chained into.

        Only a sole successor can have been chained, so only those are read again.
        """
        new: list[JobDescription] = []
        chained: list[JobDescription] = []
        seen: set[str] = set()
        successors = record.successors  # a property that builds the list: once, not once per successor
        stack = [(job_id, len(successors) == 1) for job_id in successors]
        stack += [(job_id, False) for job_id in record.service_ids]
        while stack:
            job_id, sole = stack.pop()
            if job_id in seen:
                continue
            seen.add(job_id)
            known = job_id in self.state.nodes
            if known and (not sole or self.state.record(job_id).ran):
                continue
            successor = payload.lighten(worker.read_record(self.store, job_id))  # 100,000 bodies add up
            if known and not successor.ran:
                continue
            (chained if known else new).append(successor)
            if successor.ran or not known:
                only = len(successor.successors) == 1
                stack.extend((s, only and successor.ran) for s in successor.successors)
                stack.extend((s, False) for s in successor.service_ids)
        return new, chained

    def _failure_reason(self, record: JobDescription, update: UpdatedBatchJobInfo) -> tuple[str, bool]:
        """Why a worker that said nothing failed (the batch system's status); whether it is permanent."""
        reason = f"exit status {update.exitStatus}"
        if update.exitReason is not None and update.exitReason.name != "FINISHED":
            reason += f" ({update.exitReason.name})"
        try:
            log = self.store.get("logs", record.job_id).decode(errors="replace")
        except NoSuchBlobError:
            log = ""
        self._report_failure(record, reason, log)
        return reason, False

    def _report_failure(self, job: JobDescription | str, reason: str, log: str) -> None:
        logger.warning("Job %s failed: %s", job, reason, extra=FAILURE_REPORT)
        if self.records is not None:
            self.records.failure_log(job if isinstance(job, str) else job.job_id, reason, log)
        tail = log.splitlines()[-LOG_TAIL_LINES:]
        if tail:
            logger.warning("Log of the failed job %s:\n%s", job, "\n".join("\t" + line for line in tail),
                           extra=JOB_LOG_REPORT)

    def _trace_attempts(self, attempts: list[Attempt], created: dict[str, JobDescription], exit_code: int) -> None:
        """--trace rows for what a worker (or the leader) measured: each job it ran, chained ones too."""
        if self.trace is not None:
            for earlier, later in zip(attempts, attempts[1:], strict=False):
                self.trace.chained(earlier.job_id, later.job_id)  # submitted with the job it followed
        for attempt in attempts:
            node = self.state.nodes.get(attempt.job_id)
            record = node.record if node is not None else created.get(attempt.job_id)
            number = max(1, node.attempts) if node is not None else 1  # a chained job was never issued
            if self.trace is not None:
                name = (record.display_name or record.name) if record is not None else attempt.job_id
                self.trace.measured(attempt.job_id, name, number, attempt, exit_code)
            if self.records is not None:
                self.records.measured(record, attempt.job_id, number, attempt, exit_code)

    def _trace_unmeasured(self, job_id: str, status: str, exit_code: int) -> None:
        node = self.state.nodes[job_id]
        if self.trace is not None:
            self.trace.unmeasured(job_id, node.record.display_name or node.record.name, node.attempts, status,
                                  exit_code)
        if self.records is not None:
            self.records.unmeasured(node.record, node.attempts, status, exit_code)

    @property
    def _measuring(self) -> bool:
        """Whether anyone keeps the figures of job attempts (--trace, the job store's records)."""
        return self.trace is not None or self.records is not None

    def _parents(self, job_id: str) -> list[str]:
        node = self.state.nodes.get(job_id)
        return node.parents if node is not None else []

    def _drop_stale_outcomes(self) -> None:
        """Outcomes left by workers of an earlier leader describe attempts that are over."""
        for key in [key for key in self.store.keys("logs") if key.startswith(OUTCOME_PREFIX)]:
            with contextlib.suppress(NoSuchBlobError):
                self.store.delete("logs", key)

    def _gave_up(self, instruction: JobGaveUp) -> None:
        record = self.state.record(instruction.job_id)
        name = record.display_name or record.name
        logger.error("Job %s failed with no retries left: %s", record, instruction.reason, extra=FAILURE_REPORT)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s", self.state.story_text(instruction.job_id))
        error = self.errors.get(instruction.job_id)
        self.watch.gave_up(record)
        self.result.failed.append(FailedJob(instruction.job_id, name, instruction.reason, error))
        if self.stop_on_failure and not self.stopping:
            self.stopping = True
            self.services.stop(sorted(self.services.live))  # services would otherwise run forever
            logger.warning("Starting no new jobs after this failure; waiting for the %d running", len(self.issued))
