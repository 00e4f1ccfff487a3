"""A fan-out whose children log to the leader and take a moment: for the status line and metrics tests.

    python progress_jobs.py JOBSTORE [--width N] [--sleep SECONDS] [--fail I] [--gates DIR] [toil options]

A root adds --width children (child I logs "child I says hello" to the leader, sleeps --sleep
seconds and returns I; each asks for a whole core, so they run a few at a time) and a follow-on
that sums them: width + 2 jobs. With --fail I, child I always fails, so the follow-on never runs.
With --gates DIR, the root waits for the file DIR/start before it adds the children, and each
child for DIR/go before it sleeps: a test opens them when it has seen what it wants to see.
"""

import os
import time

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}
CHILD = {"cores": 1, "memory": "10M", "disk": "1M"}


def wait_for(gates, name):
    while gates and not os.path.exists(os.path.join(gates, name)):
        time.sleep(0.05)


def child(job, i, seconds, fail, gates):
    job.log(f"child {i} says hello")
    wait_for(gates, "go")
    time.sleep(seconds)
    if i == fail:
        raise RuntimeError(f"child {i} fails on purpose")
    return i


def total(values):
    return sum(values)


def fan(job, width, seconds, fail, gates):
    wait_for(gates, "start")
    promises = [job.addChildJobFn(child, i, seconds, fail, gates, **CHILD).rv() for i in range(width)]
    return job.addFollowOnFn(total, promises, **TINY).rv()


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--sleep", type=float, default=0.3)
    parser.add_argument("--fail", type=int, default=-1)
    parser.add_argument("--gates", default=None)
    options = parser.parse_args()
    with Toil(options) as toil:
        gates = os.path.abspath(options.gates) if options.gates else None
        result = toil.start(Job.wrapJobFn(fan, options.width, options.sleep, options.fail, gates, **TINY))
    print(f"RESULT sum={result}")
