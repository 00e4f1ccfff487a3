"""A workflow that fails until a flag file exists, for --restart.

    python restartable.py JOBSTORE --flag FILE --record FILE [toil options]

first -> (child) second -> (child) needs_flag; first -> (follow-on) last. Every job that
runs appends its name to the record file; needs_flag appends "needs_flag-failed" and
raises while FILE is missing. Prints the root's value, which comes from a promise of
needs_flag.
"""

import os

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def note(path, text):
    with open(path, "a") as handle:
        handle.write(text + "\n")


def needs_flag(record, flag):
    if not os.path.exists(flag):
        note(record, "needs_flag-failed")
        raise RuntimeError(f"the flag file {flag} is missing")
    note(record, "needs_flag")
    return "flag seen"


def second(job, record, flag):
    note(record, "second")
    return job.addChildFn(needs_flag, record, flag, **TINY).rv()


def last(record, value):
    note(record, "last")
    return f"last got: {value}"


def first(job, record, flag):
    note(record, "first")
    child = job.addChildJobFn(second, record, flag, **TINY)
    return job.addFollowOnFn(last, record, child.rv(), **TINY).rv()


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--flag", required=True)
    parser.add_argument("--record", required=True)
    options = parser.parse_args()
    record, flag = os.path.abspath(options.record), os.path.abspath(options.flag)
    with Toil(options) as toil:
        if options.restart:
            result = toil.restart()
        else:
            result = toil.start(Job.wrapJobFn(first, record, flag, **TINY))
    print("RESULT", result)
