"""Toil's ``toil.job`` import path: the job API, with ``Job.Runner`` bound."""

from toil.core.description import JobDescription
from toil.core.graph import check_acyclic, reachable, root_jobs, topological_order
from toil.core.job import (
    EncapsulatedJob,
    FunctionWrappingJob,
    Job,
    JobException,
    JobFunctionWrappingJob,
    JobGraphDeadlockException,
    Promise,
    PromisedRequirement,
    ServiceHostJob,
)
from toil.core.runner import Runner

# The job API sits below the options and the Toil context; the Runner that needs both is bound
# here, one layer up, where users reach Job (``from toil.job import Job``).
Job.Runner = Runner  # type: ignore[attr-defined]


def _check_connected(job: Job) -> None:
    roots = root_jobs(job)
    if len(roots) != 1:
        raise JobGraphDeadlockException(f"The job graph of {job.jobName} has {len(roots)} roots, not 1")


# Toil's checks of a job graph before it runs, bound the same way (they live in core.graph).
Job.getRootJobs = root_jobs  # type: ignore[attr-defined]
Job.checkJobGraphAcylic = lambda self: check_acyclic(reachable(self))  # type: ignore[attr-defined]
Job.checkJobGraphConnected = _check_connected  # type: ignore[attr-defined]


def _check_deadlocks(job: Job) -> None:
    _check_connected(job)
    check_acyclic(reachable(job))


Job.checkJobGraphForDeadlocks = _check_deadlocks  # type: ignore[attr-defined]
Job.getTopologicalOrderingOfJobs = topological_order  # type: ignore[attr-defined]

__all__ = [
    "EncapsulatedJob",
    "FunctionWrappingJob",
    "Job",
    "JobException",
    "JobFunctionWrappingJob",
    "JobDescription",
    "JobGraphDeadlockException",
    "Promise",
    "PromisedRequirement",
    "ServiceHostJob",
]
