"""Run one job from the job store, and the chain of sole successors that fit after it.

``_toil_worker JOBNAME JOBSTORE JOBID`` is the same command on every batch system. A job
commits by rewriting its record with ``ran`` set, after its new successors, their bodies
and its return value are in the store; nothing a job did is visible before that write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from toil.core import deferred, logs, payload, plugins, serialize
from toil.core.description import JobDescription
from toil.core.filestore import FileStore, ScratchSlot
from toil.core.graph import collect_new_jobs, write_new_jobs
from toil.core.job import Job, PermanentJobFailure
from toil.core.jobstore import AbstractJobStore, JobStoreError, Namespace
from toil.core.optiontypes import level_number
from toil.core.outcome import OUTCOME_PREFIX, AttemptMeter, JobError, JobOutcome
from toil.core.settings import WorkflowSettings, load_settings

logger = logging.getLogger(__name__)

LOG_TAIL_BYTES = 64000  # Toil's default --maxLogFileSize (62.5 KiB)
OUTCOME_LOG_LINES = 40  # lines of a failed job's log that travel in its outcome
OUTCOME_LOG_BYTES = 16 * 1024

_workflows: dict[str, tuple[AbstractJobStore, WorkflowSettings]] = {}


def open_workflow(locator: str) -> tuple[AbstractJobStore, WorkflowSettings]:
    """Open a workflow's store and settings once per process (forked workers inherit them)."""
    if locator not in _workflows:
        store = plugins.open_job_store(locator)
        store.resume()
        settings = load_settings(store)
        for path in reversed(settings.user_paths):
            if path not in sys.path:
                sys.path.insert(0, path)
        _workflows[locator] = (store, settings)
    return _workflows[locator]


def temp_root(settings: WorkflowSettings) -> str:
    return os.path.join(settings.work_dir, f"toil-{settings.workflow_id}")


def read_record(store: AbstractJobStore, job_id: str) -> JobDescription:
    return JobDescription.from_json(store.get("jobs", job_id), where=job_id)


@dataclass
class Commit:
    """A job's commit: its record as committed and the records of the jobs it created."""

    record: JobDescription
    created: list[JobDescription] = field(default_factory=list)


def run_job(store: AbstractJobStore, settings: WorkflowSettings, record: JobDescription) -> Commit:
    """Run one job and commit it; on any exception nothing of the attempt is kept.

    The caller's record (the leader's own, for a local job) is left as it was: the commit
    works on a copy and returns it.
    """
    record = dataclasses.replace(record)  # its fields are replaced below, never mutated in place
    job: Job = serialize.loads(payload.read_body(store, record), serialize.ResultReader(_result_reader(store)))
    root = temp_root(settings)
    file_store = FileStore(store, record.job_id, root, disk=record.requirements.disk, job_name=record.name,
                           caching=settings.caching, scratch=_scratch_slot(root), frontend=settings.frontend)
    created: list[str] = []  # jobs this attempt wrote; dropped again if it does not commit
    committed = False
    try:
        if record.kind == "service":
            from toil.core.services import run_service

            value = run_service(job, store, file_store)  # type: ignore[arg-type]
        else:
            value = job._run_body(file_store)
        new = collect_new_jobs(job.getSuccessors(), parent=job)
        created = [new_job._toil_id for new_job in new.jobs]
        new_records = write_new_jobs(store, new, settings.defaults, known=lambda job_id: store.has("jobs", job_id))
        _fill_commit(store, record, job, value, file_store)
        store.commit_record(record.job_id, record.to_json())  # the commit
        committed = True
        file_store.committed()  # caches the files it wrote
    except BaseException:
        if committed:
            raise  # what the commit names must stay
        for file_id in file_store.written:
            with contextlib.suppress(Exception):
                store.delete_file(file_id)
        _drop_uncommitted(store, created)
        raise
    finally:
        file_store.run_deferred()  # whether the job succeeded or failed
        file_store.cleanup()
    apply_deletions(store, record)
    return Commit(record, new_records)


def _fill_commit(store: AbstractJobStore, record: JobDescription, job: Job, value: object, file_store: FileStore,
                 ) -> None:
    """Write into record what its commit says: return value, final successors, files to delete, messages."""
    result, _ = serialize.dumps(value)
    payload.keep_result(store, record, result)
    record.phases = [
        record.phases[0] + [child._toil_id for child in job._toil_children],
        record.phases[1] + [follow_on._toil_id for follow_on in job._toil_follow_ons],
        *record.phases[2:],
    ]
    record.services = _merge_tiers(record.services, [[h._toil_id for h in t] for t in job._toil_services])
    record.ran = True
    record.files_to_delete = file_store.to_delete
    file_store.check_disk()  # warns, through messages, of disk used beyond the request
    record.messages = file_store.messages


def _drop_uncommitted(store: AbstractJobStore, job_ids: list[str]) -> None:
    """Delete the records, then the bodies, of new jobs whose creator did not commit."""
    namespaces: tuple[Namespace, ...] = ("jobs", "bodies")
    for namespace in namespaces:
        for job_id in job_ids:
            with contextlib.suppress(Exception):
                store.delete(namespace, job_id)


def _merge_tiers(old: list[list[str]], new: list[list[str]]) -> list[list[str]]:
    merged = [list(tier) for tier in old]
    for index, tier in enumerate(new):
        if index < len(merged):
            merged[index].extend(tier)
        else:
            merged.append(list(tier))
    return merged


def _result_reader(store: AbstractJobStore):  # type: ignore[no-untyped-def]
    def read(job_id: str) -> bytes:
        try:
            return payload.read_result(store, job_id)
        except KeyError:
            raise RuntimeError(f"a promise of job {job_id} was used before that job ran") from None

    return read


def apply_deletions(store: AbstractJobStore, record: JobDescription) -> None:
    """Delete the files a committed job asked to delete (again, harmlessly, on restart)."""
    for file_id in record.files_to_delete:
        store.delete_file(file_id)


def chain_candidate(
    store: AbstractJobStore, settings: WorkflowSettings, record: JobDescription,
    created: Sequence[JobDescription] = (),
) -> JobDescription | None:
    """The sole successor of a committed job, when it may run in this same worker."""
    successor = chained_successor(store, settings, record, created)
    return None if successor is None or successor.ran else successor


def chained_successor(
    store: AbstractJobStore, settings: WorkflowSettings, record: JobDescription,
    created: Sequence[JobDescription] = (),
) -> JobDescription | None:
    """The sole successor a worker chains into after record (whether or not it ran yet).

    A successor this worker has just created is taken from ``created`` rather than read again.
    """
    if settings.disable_chaining or len(record.successors) != 1 or record.services:
        return None
    successor_id = record.successors[0]
    successor = next((new for new in reversed(created) if new.job_id == successor_id), None)
    if successor is None:
        successor = read_record(store, successor_id)
    if (
        successor.predecessors != 1
        or successor.local
        or successor.checkpoint
        or successor.promised_requirements
        or not successor.requirements.fits_in(record.requirements)
    ):
        return None
    return successor


def run_chain(
    store: AbstractJobStore, settings: WorkflowSettings, job_id: str, reporter: logs.JobReporter = logs.NO_REPORTER
) -> JobOutcome:
    """Run a job and then, while allowed, its sole successor; stop at the first failure."""
    outcome = JobOutcome(job_id)
    record: JobDescription | None = read_record(store, job_id)
    if record is not None and record.ran:
        outcome.committed.append(record)  # committed before (a re-issue after a lost update): nothing to do
        return outcome
    while record is not None:
        logger.debug("Running job %s", record)
        meter = AttemptMeter(record.job_id)
        try:
            with reporter.job(record):  # --stats / --writeLogs (toil.core.logs); a no-op when off
                commit = run_job(store, settings, record)
        except BaseException as e:  # noqa: BLE001 - a job may raise anything, SystemExit included
            traceback.print_exc()
            outcome.failure = JobError.of(record.job_id, e, isinstance(e, PermanentJobFailure))
            outcome.attempts.append(meter.finish(ok=False))
            return outcome
        outcome.attempts.append(meter.finish(ok=True))
        outcome.committed.append(commit.record)
        outcome.created.extend(commit.created)
        record = chain_candidate(store, settings, commit.record, outcome.created)
    return outcome


@contextlib.contextmanager
def _output_to(path: str, level: str, capture: bool = True) -> Iterator[None]:
    """Send this process's logging, and stdout and stderr unless not ``capture``, to a file."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    stream = sys.stderr
    if capture:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    else:  # --noStdOutErr: only logging goes to the job's log
        stream = os.fdopen(fd, "w")
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("[%(asctime)s] [%(levelname).1s] [%(name)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(level_number(level))
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        if stream is not sys.stderr:
            root.removeHandler(handler)
            stream.close()


def keep_failure_log(store: AbstractJobStore, job_id: str, log_path: str, limit: int = LOG_TAIL_BYTES) -> None:
    """Keep the log's last ``limit`` bytes (first ``-limit`` when negative, all when 0) for the leader."""
    try:
        with open(log_path, "rb") as f:
            if limit > 0:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - limit))
            store.put("logs", job_id, f.read(-limit if limit < 0 else -1))
    except OSError:
        pass


def main(argv: list[str]) -> int:
    """Worker entry point: ``JOBNAME JOBSTORE JOBID``; return the exit code."""
    if len(argv) != 3:
        print("usage: _toil_worker JOBNAME JOBSTORE JOBID", file=sys.stderr)
        return 2
    _, locator, job_id = argv
    try:
        store, settings = open_workflow(locator)
    except (JobStoreError, ValueError, OSError) as e:
        print(f"_toil_worker: cannot open the job store {locator}: {e}", file=sys.stderr)
        return 1
    root = temp_root(settings)
    # A member of the machine's arena while running: the last worker out cleans the node.
    with deferred.membership(root):
        name = f"worker-{os.getpid()}.log" if _warm_runner else f"worker-{job_id}-{os.getpid()}.log"
        log_path = os.path.join(root, name)
        reporter = logs.worker_reporter(store, settings.reporting, log_path, job_id)  # --stats, --writeLogs
        with _output_to(log_path, settings.log_level, reporter.capture):
            deferred.run_orphans(root)  # deferred functions of workers that were killed
            outcome = run_chain(store, settings, job_id, reporter)
        if outcome.failure is not None:
            keep_failure_log(store, outcome.failure.job_id, log_path, reporter.max_log_file_size)
            outcome.log_tail = log_tail(log_path)
        deliver(store, outcome)
        if not _warm_runner:
            with contextlib.suppress(OSError):
                os.unlink(log_path)
    return 0 if outcome.ok else 1


def log_tail(log_path: str, lines: int = OUTCOME_LOG_LINES, limit: int = OUTCOME_LOG_BYTES) -> str:
    """The last lines of a log (at most limit bytes of it)."""
    try:
        with open(log_path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def deliver(store: AbstractJobStore, outcome: JobOutcome) -> None:
    """Hand the outcome to the batch system that hears from this worker, else leave it in the store."""
    data = outcome.to_json()
    if _outcome_sink is not None:
        _outcome_sink(data)
        return
    with contextlib.suppress(Exception):  # the records in the store still say what committed
        store.put("logs", OUTCOME_PREFIX + outcome.issued, data)


_outcome_sink: Callable[[bytes], None] | None = None


def send_outcomes_to(sink: Callable[[bytes], None] | None) -> None:
    """Give this process's outcomes to sink (a batch system's channel to the leader) instead of the store."""
    global _outcome_sink
    _outcome_sink = sink


_warm_runner = False


def reuse_between_jobs() -> None:
    """Keep one log file and one scratch directory for all the jobs this process runs.

    For a warm runner that serves job after job: each job truncates the log, and its scratch
    space is the runner's own directory, emptied after each job (FileStore.keep_between_jobs).
    On a local filesystem under the churn of many short jobs, making and deleting inodes is the
    slowest thing a job does. Both go with the workflow's directory.
    """
    global _warm_runner
    _warm_runner = True


def _scratch_slot(root: str) -> ScratchSlot | None:
    """A warm runner's scratch directory under the workflow's (one per workflow it serves)."""
    if not _warm_runner:
        return None
    if root not in _slots:
        _slots[root] = ScratchSlot(root)
    return _slots[root]


_slots: dict[str, ScratchSlot] = {}


def main_entry() -> None:
    sys.exit(main(sys.argv[1:]))
