"""Toil's ``toil.job`` import path: the job API."""

from toil.core.job import (
    FunctionWrappingJob,
    Job,
    JobException,
    JobFunctionWrappingJob,
    JobGraphDeadlockException,
    Promise,
    PromisedRequirement,
)

__all__ = [
    "FunctionWrappingJob",
    "Job",
    "JobException",
    "JobFunctionWrappingJob",
    "JobGraphDeadlockException",
    "Promise",
    "PromisedRequirement",
]
