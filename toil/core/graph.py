"""Turn a graph of Job objects into job records and bodies in a job store."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from toil.core import payload, serialize
from toil.core.description import JobDescription
from toil.core.job import Job, JobException, JobGraphDeadlockException, PromisedRequirement, ServiceHostJob
from toil.core.jobstore import AbstractJobStore
from toil.core.requirements import RequirementError, Requirements, parse_requirements


@dataclass
class NewJobs:
    """Jobs reached from some roots that have not been written yet, in discovery order."""

    jobs: list[Job]
    predecessors: dict[str, int]


def collect_new_jobs(roots: Iterable[Job], parent: Job | None = None) -> NewJobs:
    """Walk successors from roots, stopping at jobs already written; count predecessors.

    ``parent`` is the running job the roots are successors of: each root gets one
    predecessor for it, and a root already in the workflow is refused.
    """
    jobs: list[Job] = []
    seen: set[int] = set()
    predecessors: dict[str, int] = {}
    stack: list[Job] = []
    for job in roots:
        if parent is not None:
            if job._toil_saved:
                raise JobException(
                    f"Job {job.displayName} is already part of the workflow and cannot be made a "
                    f"successor of {parent.displayName}"
                )
            predecessors[job._toil_id] = predecessors.get(job._toil_id, 0) + 1
        if not job._toil_saved and id(job) not in seen:
            seen.add(id(job))
            stack.append(job)
    for host in (h for tier in parent._toil_services for h in tier) if parent is not None else ():
        if not host._toil_saved and id(host) not in seen:
            seen.add(id(host))
            stack.append(host)
    while stack:
        job = stack.pop()
        jobs.append(job)
        if job.checkpoint and job.getSuccessors():
            raise JobException(
                f"Checkpoint job {job.displayName} must have no successors when it is added (add them when it runs)"
            )
        for host in (host for tier in job._toil_services for host in tier):
            if host._toil_saved:
                raise JobException(f"Service {host.displayName} is already part of the workflow")
            if id(host) not in seen:
                seen.add(id(host))
                stack.append(host)
        for successor in job.getSuccessors():
            if successor._toil_saved:
                raise JobException(
                    f"Job {successor.displayName} is already part of the workflow and cannot be made a "
                    f"successor of the new job {job.displayName}"
                )
            predecessors[successor._toil_id] = predecessors.get(successor._toil_id, 0) + 1
            if id(successor) not in seen:
                seen.add(id(successor))
                stack.append(successor)
    check_acyclic(jobs)
    return NewJobs(jobs, predecessors)


def check_acyclic(jobs: list[Job]) -> None:
    """Raise JobGraphDeadlockException when successors form a cycle."""
    white, grey, black = 0, 1, 2
    colour: dict[int, int] = {id(job): white for job in jobs}
    for start in jobs:
        if colour[id(start)] != white:
            continue
        stack: list[tuple[Job, int]] = [(start, 0)]
        colour[id(start)] = grey
        while stack:
            job, index = stack[-1]
            successors = job.getSuccessors()
            if index < len(successors):
                stack[-1] = (job, index + 1)
                nxt = successors[index]
                state = colour.get(id(nxt), black)
                if state == grey:
                    raise JobGraphDeadlockException(
                        f"The job graph has a cycle through {nxt.displayName} and {job.displayName}"
                    )
                if state == white:
                    colour[id(nxt)] = grey
                    stack.append((nxt, 0))
            else:
                colour[id(job)] = black
                stack.pop()


def requirements_for(job: Job, defaults: Requirements) -> tuple[Requirements, dict[str, PromisedRequirement]]:
    raw = job._toil_raw_requirements
    promised = {k: v for k, v in raw.items() if isinstance(v, PromisedRequirement)}
    concrete = {k: v for k, v in raw.items() if not isinstance(v, PromisedRequirement)}
    try:
        return parse_requirements(concrete, defaults), promised
    except RequirementError as e:
        raise JobException(f"Job {job.displayName}: bad requirement: {e}") from None


def describe(job: Job, predecessors: int, defaults: Requirements) -> JobDescription:
    requirements, promised = requirements_for(job, defaults)
    record = JobDescription(
        job_id=job._toil_id,
        name=job.jobName,
        requirements=requirements,
        phases=[[c._toil_id for c in job._toil_children], [f._toil_id for f in job._toil_follow_ons]],
        predecessors=predecessors,
        display_name=job.displayName if job.displayName != job.jobName else "",
        local=job._toil_local,
        checkpoint=job.checkpoint,
        unit_name=job.unitName,
        services=[[host._toil_id for host in tier] for tier in job._toil_services],
        kind="service" if isinstance(job, ServiceHostJob) else "",
    )
    if promised:
        data, refs = serialize.dumps(promised)
        record.promises = sorted({ref.job_id for ref in refs})
        record.promised_requirements = base64.b64encode(data).decode()
    return record


def write_new_jobs(
    store: AbstractJobStore,
    new: NewJobs,
    defaults: Requirements,
    known: Callable[[str], bool],
) -> list[JobDescription]:
    """Write bodies then records of new jobs; return their records.

    ``known(job_id)`` tells whether a promise's producer exists outside the new jobs.
    Records are written after every body, so a record never points at a missing body.
    """
    new_ids = {job._toil_id for job in new.jobs}
    records = []
    for job in new.jobs:
        record = describe(job, new.predecessors.get(job._toil_id, 0), defaults)
        job._toil_defaults = defaults  # so that job.memory and co. report the workflow's defaults
        body, refs = serialize.dumps(job)
        producers = sorted({ref.job_id for ref in refs} | set(record.promises))
        for producer in producers:
            if producer not in new_ids and not known(producer):
                raise JobException(
                    f"Job {job.displayName} uses a promise of job {producer}, which is not part of the workflow "
                    "(add the producing job with addChild or addFollowOn before the one that uses it)"
                )
        record.promises = producers
        payload.keep_body(store, record, body)
        records.append(record)
    for record in records:
        store.put("jobs", record.job_id, record.to_json())
    for job in new.jobs:
        job._toil_saved = True
    return records


def reachable(start: Job) -> list[Job]:
    """Every job reachable from start through children, follow-ons and services, start first."""
    seen: dict[int, Job] = {id(start): start}
    todo = [start]
    while todo:
        job = todo.pop()
        hosts = [host for tier in job._toil_services for host in tier]
        for nxt in (*job.getSuccessors(), *hosts):
            if id(nxt) not in seen:
                seen[id(nxt)] = nxt
                todo.append(nxt)
    return list(seen.values())


def root_jobs(start: Job) -> set[Job]:
    """The jobs of start's graph that no other job of it precedes (Toil's ``getRootJobs``)."""
    jobs = reachable(start)
    successors = {id(nxt) for job in jobs for nxt in job.getSuccessors()}
    return {job for job in jobs if id(job) not in successors}


def topological_order(start: Job) -> list[Job]:
    """The jobs of start's graph, each before its successors (Toil's ``getTopologicalOrderingOfJobs``)."""
    jobs = reachable(start)
    check_acyclic(jobs)
    done: set[int] = set()
    order: list[Job] = []

    def visit(job: Job) -> None:
        if id(job) in done:
            return
        done.add(id(job))
        for nxt in job.getSuccessors():
            visit(nxt)
        order.append(job)

    for job in jobs:
        visit(job)
    return order[::-1]
