"""``toil debug-job JOBSTORE JOB``: run one job again, in the foreground, in this process.

JOB is a job id, or a job's display name, name or class name (a failed job is preferred
when several share it). The job runs from its stored body with its promises resolved,
printing its output and logging here, so it can be followed under a debugger
(``--pdb`` starts pdb's post-mortem where it raised). Nothing it did is kept in the store
(files it wrote are removed, its successors and return value dropped) unless ``--commit``
is given, which commits it as a worker would, so a later --restart skips it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
import traceback
from typing import Any

from toil.cli.common import CommandError, describe, fail, failed_job_ids, load_records, open_store, root_id
from toil.core import control, payload, serialize, worker
from toil.core.console import LOG_FORMAT
from toil.core.description import JobDescription
from toil.core.filestore import FileStore
from toil.core.jobstore import AbstractJobStore, JobStoreLockedError, NoSuchBlobError
from toil.core.settings import WorkflowSettings, load_settings


def find_job(store: AbstractJobStore, records: dict[str, JobDescription], query: str) -> JobDescription:
    """The job a user named: by id, else by display name, name or class; failed jobs first."""
    if query in records:
        return records[query]
    matches = [r for r in records.values() if query in (r.display_name, r.name, r.unit_name)]
    if not matches:
        failed = [describe(records[job_id]) for job_id in failed_job_ids(store, records)]
        hint = f"; failed jobs: {', '.join(failed)}" if failed else ""
        fail(f"No job with the id or name '{query}' in {store.locator}{hint}.")
    failed_ids = set(failed_job_ids(store, records))
    for subset in ([r for r in matches if r.job_id in failed_ids], [r for r in matches if not r.ran], matches):
        if len(subset) == 1:
            return subset[0]
        if subset:
            choices = ", ".join(sorted(describe(r) for r in subset))
            fail(f"{len(subset)} jobs are named '{query}' ({choices}); name one by its id.")
    raise AssertionError("unreachable")


def _open_settings(store: AbstractJobStore) -> WorkflowSettings:
    if root_id(store) is None:
        fail(f"The workflow in {store.locator} has not started; it has no jobs to debug.")
    settings = load_settings(store)
    for path in reversed(settings.user_paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    return settings


def run_uncommitted(store: AbstractJobStore, settings: WorkflowSettings, record: JobDescription,
                    temp_root: str) -> tuple[Any, FileStore]:
    """Run the job's body and undo what it wrote; return its value and file store."""
    reader = serialize.ResultReader(lambda job_id: _result(store, job_id))
    job = serialize.loads(payload.read_body(store, record), reader)
    file_store = FileStore(store, record.job_id, temp_root, disk=record.requirements.disk, job_name=record.name,
                           frontend=settings.frontend)
    try:
        return job._run_body(file_store), file_store
    finally:
        with contextlib.suppress(Exception):
            getattr(file_store, "run_deferred", lambda: None)()
        file_store.cleanup()
        for file_id in file_store.written:
            with contextlib.suppress(Exception):
                store.delete_file(file_id)


def _result(store: AbstractJobStore, job_id: str) -> bytes:
    try:
        return payload.read_result(store, job_id)
    except NoSuchBlobError:
        fail(f"The job reads a promise of job {job_id}, which has not run yet; debug that job first.")


def run_committed(store: AbstractJobStore, settings: WorkflowSettings, record: JobDescription) -> None:
    """Run the job as a worker would, committing it; refuse while a leader runs the workflow."""
    leader = control.leader_running(store)
    if leader is not None:
        fail(f"The workflow is running (leader pid {leader.pid} on {leader.host}); --commit needs it stopped.")
    try:
        store.acquire_leader_lock("toil debug-job --commit")
    except JobStoreLockedError as e:
        fail(str(e))
    try:
        worker.run_job(store, settings, record)
    finally:
        store.release_leader_lock()


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("debug-job", help="Run one job again in the foreground, for a debugger.",
                                 description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jobStore", help="The workflow's job store.")
    parser.add_argument("job", help="The job's id, or its display name, name or class name.")
    parser.add_argument("--commit", action="store_true", help="Commit the job as a worker would.")
    parser.add_argument("--printJobInfo", action="store_true", help="Print the job's record and stop.")
    parser.add_argument("--pdb", action="store_true", help="Start pdb's post-mortem where the job raises.")
    parser.add_argument("--logLevel", default="INFO", help="Log level while the job runs (default INFO).")
    parser.set_defaults(func=run)


def _report_failure(record: JobDescription, error: BaseException, use_pdb: bool) -> int:
    traceback.print_exc()
    if use_pdb:
        import pdb

        pdb.post_mortem(error.__traceback__)
    print(f"toil debug-job: job {describe(record)} failed: {type(error).__name__}: {error}", file=sys.stderr)
    return 1


def run(options: argparse.Namespace) -> int:
    store = open_store(options.jobStore)
    settings = _open_settings(store)
    record = find_job(store, load_records(store), options.job)
    if options.printJobInfo:
        print(record.to_json().decode())
        return 0
    if not record.runs_code:
        fail(f"Job {describe(record)} has no body to run (it only groups its successors).")
    logging.basicConfig(level=options.logLevel.upper(), format=LOG_FORMAT, stream=sys.stderr)
    mode = "its result will be committed" if options.commit else "nothing it does will be kept"
    print(f"Running job {describe(record)} in the foreground; {mode}.", file=sys.stderr)
    try:
        if options.commit:
            run_committed(store, settings, record)
            print(f"Job {describe(record)} ran and was committed.", file=sys.stderr)
            return 0
        with tempfile.TemporaryDirectory(prefix="toil-debug-job-") as temp_root:
            value, file_store = run_uncommitted(store, settings, record, temp_root)
    except CommandError:
        raise
    except Exception as e:  # noqa: BLE001 - report whatever the job raised
        return _report_failure(record, e, options.pdb)
    for _level, text in file_store.messages:
        print(f"Job {record.display_name or record.name} logged: {text}", file=sys.stderr)
    print(f"Job {describe(record)} returned: {value!r}")
    return 0
