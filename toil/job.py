"""Toil's ``toil.job`` import path: the job API, with ``Job.Runner`` bound."""

from toil.core.job import (
    FunctionWrappingJob,
    Job,
    JobException,
    JobFunctionWrappingJob,
    JobGraphDeadlockException,
    Promise,
    PromisedRequirement,
)
from toil.core.runner import Runner

# The job API sits below the options and the Toil context; the Runner that needs both is bound
# here, one layer up, where users reach Job (``from toil.job import Job``).
Job.Runner = Runner  # type: ignore[attr-defined]

__all__ = [
    "FunctionWrappingJob",
    "Job",
    "JobException",
    "JobFunctionWrappingJob",
    "JobGraphDeadlockException",
    "Promise",
    "PromisedRequirement",
]
