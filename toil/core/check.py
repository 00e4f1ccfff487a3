"""Check a job store for damage: torn records, dangling references, wrong counts.

A store is consistent when ``--restart`` can continue from it without a repair pass:

- every job record is readable (none is torn or foreign), and so are the root id and settings;
- every job reachable from the root (through successor phases and services) has a record;
- a reachable job that has not run has its body, and its promises name jobs with records;
- a reachable job that ran (and has a body) has its return value;
- a reachable job's predecessor count equals the number of reachable jobs that list it.

Records, bodies and return values that nothing reachable names are *unreachable*: an
attempt cut short (a killed or failed worker) wrote them before it could commit. They are
harmless, since nothing will ever read them, and the leader removes them when a workflow
succeeds (``collect_garbage``); they are reported apart from the errors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from toil.core import payload
from toil.core.description import JobDescription, RecordError
from toil.core.jobstore import AbstractJobStore, Namespace, NoSuchBlobError
from toil.core.settings import ROOT_KEY, SETTINGS_KEY, WorkflowSettings

#: Namespaces whose keys are job ids.
JOB_NAMESPACES: tuple[Namespace, ...] = ("jobs", "bodies", "results")


@dataclass
class StoreReport:
    """What check_store found: errors make a store unrestartable, unreachable blobs do not."""

    started: bool = False
    records: int = 0
    reachable: int = 0
    errors: list[str] = field(default_factory=list)
    #: namespace -> keys of blobs that nothing reachable names
    unreachable: dict[str, list[str]] = field(default_factory=dict)

    @property
    def unreachable_count(self) -> int:
        return sum(len(keys) for keys in self.unreachable.values())


def _read_records(store: AbstractJobStore, report: StoreReport) -> dict[str, JobDescription]:
    records: dict[str, JobDescription] = {}
    for job_id in store.keys("jobs"):
        try:
            records[job_id] = JobDescription.from_json(store.get("jobs", job_id), where=job_id)
        except NoSuchBlobError:
            continue
        except RecordError as e:
            report.errors.append(f"torn or unreadable {e}")
            continue
        if records[job_id].job_id != job_id:
            report.errors.append(f"job record {job_id} holds the record of job {records[job_id].job_id}")
    report.records = len(records)
    return records


def reachable_jobs(root_id: str, records: dict[str, JobDescription], report: StoreReport | None = None) -> list[str]:
    """Ids of the jobs reachable from the root, in walk order; report references to jobs without a record."""
    order: list[str] = []
    seen = {root_id}
    stack = [root_id]
    while stack:
        job_id = stack.pop()
        record = records.get(job_id)
        if record is None:
            if report is not None:
                report.errors.append(f"job {job_id} is referenced but has no record (a dangling reference)")
            continue
        order.append(job_id)
        for successor in record.successors + record.service_ids:
            if successor not in seen:
                seen.add(successor)
                stack.append(successor)
    return order


def _check_job(record: JobDescription, records: dict[str, JobDescription],
               keys: dict[Namespace, set[str]], report: StoreReport) -> None:
    name = str(record)
    if record.runs_code and not record.ran and not payload.body_stored(record, keys["bodies"]):
        report.errors.append(f"job {name} has not run and has no body")
    returns_value = record.runs_code and record.ran and record.kind != "service"
    if returns_value and not payload.result_stored(record, keys["results"]):
        report.errors.append(f"job {name} ran but its return value is missing")
    if not record.ran:
        for producer in record.promises:
            if producer not in records:
                report.errors.append(f"job {name} uses a promise of job {producer}, which has no record")


def check_store(store: AbstractJobStore) -> StoreReport:
    """Check an opened (resumed) store; the store is only read."""
    report = StoreReport()
    try:
        root_id = store.get("shared", ROOT_KEY).decode()
    except NoSuchBlobError:
        root_id = ""
    except UnicodeDecodeError:
        report.errors.append("the root id is unreadable")
        return report
    report.started = bool(root_id)
    if store.has("shared", SETTINGS_KEY):
        try:
            WorkflowSettings.from_json(store.get("shared", SETTINGS_KEY))
        except (ValueError, KeyError, TypeError) as e:
            report.errors.append(f"the workflow settings are unreadable: {e}")
    elif report.started:
        report.errors.append("the workflow started but its settings are missing")
    records = _read_records(store, report)
    keys = {namespace: set(store.keys(namespace)) for namespace in JOB_NAMESPACES}
    reachable = reachable_jobs(root_id, records, report) if root_id else []
    report.reachable = len(reachable)
    listed: Counter[str] = Counter()
    for job_id in reachable:
        record = records[job_id]
        _check_job(record, records, keys, report)
        listed.update(record.successors)
    for job_id in reachable:
        record = records[job_id]
        if job_id != root_id and record.kind != "service" and record.predecessors != listed[job_id]:
            report.errors.append(f"job {record} counts {record.predecessors} predecessors but "
                                 f"{listed[job_id]} jobs list it")
    if report.started:
        known = set(reachable)
        for namespace in JOB_NAMESPACES:
            extra = sorted(keys[namespace] - known)
            if extra:
                report.unreachable[namespace] = extra
    return report


def reachable_in_store(store: AbstractJobStore, root_id: str) -> set[str]:
    """Ids of the jobs reachable from the root through the records in the store."""
    return set(reachable_jobs(root_id, _read_records(store, StoreReport())))


def collect_garbage(store: AbstractJobStore, live: Iterable[str]) -> int:
    """Delete job records, bodies and return values of jobs not in ``live``; return how many.

    Only call this when no worker can still be writing new jobs (the workflow has
    finished): a new job is unreachable until its creator commits.
    """
    keep = set(live)
    removed = 0
    for namespace in JOB_NAMESPACES:
        for key in list(store.keys(namespace)):
            if key not in keep:
                store.delete(namespace, key)
                removed += 1
    return removed
