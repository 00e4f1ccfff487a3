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
from collections.abc import Iterator
from dataclasses import dataclass, field

from toil.core import deferred, logs, payload, plugins, serialize
from toil.core.description import JobDescription
from toil.core.filestore import FileStore, ScratchSlot
from toil.core.graph import collect_new_jobs, write_new_jobs
from toil.core.job import Job, PermanentJobFailure
from toil.core.jobstore import AbstractJobStore, JobStoreError, Namespace
from toil.core.optiontypes import level_number
from toil.core.settings import WorkflowSettings, load_settings

logger = logging.getLogger(__name__)

ERROR_MARKER = "TOIL_JOB_ERROR: "
PERMANENT_MARKER = "TOIL_JOB_ERROR (permanent): "  # the job raised PermanentJobFailure: no retry
ERROR_MARKERS = (ERROR_MARKER, PERMANENT_MARKER)
LOG_TAIL_BYTES = 64000  # Toil's default --maxLogFileSize (62.5 KiB)

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
class Outcome:
    committed: list[str] = field(default_factory=list)
    failed: str | None = None
    error: str = ""
    permanent: bool = False  # the failure was a PermanentJobFailure

    @property
    def error_line(self) -> str:
        """The line of the job's log that tells the leader why it failed (read by parse_error_line)."""
        return f"{PERMANENT_MARKER if self.permanent else ERROR_MARKER}{self.error}"


def parse_error_line(line: str) -> tuple[str, bool] | None:
    """The error and whether it is permanent, from an Outcome.error_line; None for any other line."""
    for marker in ERROR_MARKERS:
        if line.startswith(marker):
            return line[len(marker):], marker == PERMANENT_MARKER
    return None


def run_job(store: AbstractJobStore, settings: WorkflowSettings, record: JobDescription) -> None:
    """Run one job and commit it; on any exception nothing of the attempt is kept."""
    job: Job = serialize.loads(payload.read_body(store, record), serialize.ResultReader(_result_reader(store)))
    root = temp_root(settings)
    file_store = FileStore(store, record.job_id, root, disk=record.requirements.disk, job_name=record.name,
                           caching=settings.caching, scratch=_scratch_slot(root))
    created: list[str] = []  # jobs this attempt wrote; dropped again if it does not commit
    committed = False
    before = dataclasses.replace(record)  # the fields below are replaced, never mutated in place
    try:
        if record.kind == "service":
            from toil.core.services import run_service

            value = run_service(job, store, file_store)  # type: ignore[arg-type]
        else:
            value = job._run_body(file_store)
        new = collect_new_jobs(job.getSuccessors(), parent=job)
        created = [new_job._toil_id for new_job in new.jobs]
        write_new_jobs(store, new, settings.defaults, known=lambda job_id: store.has("jobs", job_id))
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
        # The caller's record (the leader's own, for a local job) must not claim a commit that failed.
        vars(record).update(vars(before))
        raise
    finally:
        file_store.run_deferred()  # whether the job succeeded or failed
        file_store.cleanup()
    apply_deletions(store, record)


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
    store: AbstractJobStore, settings: WorkflowSettings, record: JobDescription
) -> JobDescription | None:
    """The sole successor of a committed job, when it may run in this same worker."""
    successor = chained_successor(store, settings, record)
    return None if successor is None or successor.ran else successor


def chained_successor(
    store: AbstractJobStore, settings: WorkflowSettings, record: JobDescription
) -> JobDescription | None:
    """The sole successor a worker chains into after record (whether or not it ran yet)."""
    if settings.disable_chaining or len(record.successors) != 1 or record.services:
        return None
    successor = read_record(store, record.successors[0])
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
) -> Outcome:
    """Run a job and then, while allowed, its sole successor; stop at the first failure."""
    outcome = Outcome()
    record: JobDescription | None = read_record(store, job_id)
    if record is not None and record.ran:
        return outcome  # committed before (a re-issue after a lost update): nothing to do
    while record is not None:
        logger.debug("Running job %s", record)
        try:
            with reporter.job(record):  # --stats / --writeLogs (toil.core.logs); a no-op when off
                run_job(store, settings, record)
        except BaseException as e:  # noqa: BLE001 - a job may raise anything, SystemExit included
            traceback.print_exc()
            outcome.failed = record.job_id
            outcome.error = f"{type(e).__name__}: {e}"
            outcome.permanent = isinstance(e, PermanentJobFailure)
            print(outcome.error_line, file=sys.stderr, flush=True)
            return outcome
        outcome.committed.append(record.job_id)
        record = chain_candidate(store, settings, record)
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
        if outcome.failed is not None:
            reporter.note_failure(outcome.error_line)
            keep_failure_log(store, outcome.failed, log_path, reporter.max_log_file_size)
        if not _warm_runner:
            with contextlib.suppress(OSError):
                os.unlink(log_path)
    return 0 if outcome.failed is None else 1


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
