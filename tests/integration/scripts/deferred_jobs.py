"""Deferred functions when a job succeeds, raises, or its worker is killed.

    python deferred_jobs.py JOBSTORE --mode MODE --state DIR [toil options]

Every event is appended as a line to DIR/record. Modes:

``normal``   the job registers three deferred functions (job.defer and
             fileStore.registerDeferredFunction; the second raises) and returns.
``raise``    on its first attempt the job registers one and raises; the retry does not.
``sigkill``  on its first attempt the job registers one and SIGKILLs its own worker; the
             retry returns whether that function had run before it started.
``sigkill-last``  like sigkill, but the job is not retried: the workflow fails, and the
             machine's cleanup runs the orphan. Prints what is left under --workDir.
"""

import os
import signal

from toil.common import Toil
from toil.exceptions import FailedJobsException
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def note(state, text):
    with open(os.path.join(state, "record"), "a") as handle:
        handle.write(text + "\n")


def fail():
    raise RuntimeError("a deferred function that fails")


def first_attempt(state):
    flag = os.path.join(state, "tried")
    if os.path.exists(flag):
        return False
    open(flag, "w").close()
    return True


def job_body(job, mode, state):
    if mode == "normal":
        job.defer(note, state, "deferred 1")
        job.fileStore.registerDeferredFunction(fail)
        job.fileStore.registerDeferredFunction(note, state, text="deferred 3")
        note(state, "body")
        return "done"
    if not first_attempt(state):
        note(state, "retry")
        return os.path.exists(os.path.join(state, "orphan-ran"))
    job.defer(note, state, f"deferred of attempt 1 ({mode}) pid {os.getpid()}")
    job.defer(open, os.path.join(state, "orphan-ran"), "w")
    note(state, "attempt 1")
    if mode == "raise":
        raise RuntimeError("the first attempt fails")
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--mode", required=True)
    parser.add_argument("--state", required=True)
    options = parser.parse_args()
    state = os.path.abspath(options.state)
    try:
        with Toil(options) as toil:
            result = toil.start(Job.wrapJobFn(job_body, options.mode, state, **TINY))
    except FailedJobsException:
        result = "failed"
    print("RESULT", result, sorted(os.listdir(options.workDir)) if options.workDir else [])
