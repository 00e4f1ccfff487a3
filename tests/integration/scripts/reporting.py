"""Workflows for the logging, stats and ``toil`` command tests.

    python reporting.py JOBSTORE --mode MODE [--dir DIR] [toil options]

Modes:
  tree      a root with three named children (two "worker" jobs, one "busy" job that burns
            CPU) and a follow-on; every job prints a line to stdout and logs one message
  realtime  one job sends "rt-first" with RealtimeLogger, waits until DIR/go exists (at most
            20 s), sends "rt-second" and writes DIR/done
  sleepers  a root with three children that write their pid to DIR/pid-N and sleep 600 s
  fail      a root whose follow-on "breaker" raises ValueError (its input is a promise of
            its sibling "source") unless DIR/fixed exists

--chatter N makes each "worker" job print N more bytes (lines of x) and then "end-of-NAME".
"""

import logging
import os
import sys
import time

from toil.common import Toil
from toil.job import Job
from toil.realtimeLogger import RealtimeLogger

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def worker(job, name, chatter):
    print(f"stdout-of-{name}")
    for _ in range(chatter // 100):
        print("x" * 99)
    print(f"end-of-{name}")
    logging.getLogger("reporting").warning("warning-of-%s", name)
    job.log(f"message-of-{name}")
    return name


def busy(job, seconds):
    print("stdout-of-busy")
    end = time.process_time() + seconds
    total = 0
    while time.process_time() < end:
        total += 1
    return total


def summary(job, names):
    print("stdout-of-summary")
    return sorted(names)


def tree(job, chatter):
    print("stdout-of-root")
    names = [job.addChildJobFn(worker, f"w{i}", chatter, displayName="worker", **TINY).rv() for i in range(2)]
    job.addChildJobFn(busy, 0.5, displayName="busy", **TINY)
    return job.addFollowOnJobFn(summary, names, displayName="summary", **TINY).rv()


def realtime(job, directory):
    RealtimeLogger.info("rt-first from pid %d", os.getpid())
    deadline = time.time() + 20
    while not os.path.exists(os.path.join(directory, "go")) and time.time() < deadline:
        time.sleep(0.05)
    RealtimeLogger.warning("rt-second")
    with open(os.path.join(directory, "done"), "w") as f:
        f.write(str(time.time()))
    return "rt"


def sleeper(job, directory, index):
    with open(os.path.join(directory, f"pid-{index}"), "w") as f:
        f.write(str(os.getpid()))
    time.sleep(600)


def sleepers(job, directory):
    for index in range(3):
        job.addChildJobFn(sleeper, directory, index, displayName=f"sleeper{index}", **TINY)
    return "slept"


def breaker(job, value, directory):
    print("stdout-of-breaker")
    if not os.path.exists(os.path.join(directory, "fixed")):
        raise ValueError(f"breaker got {value}")
    return value + 1


def source(job):
    return 41


def fail(job, directory):
    value = job.addChildJobFn(source, displayName="source", **TINY).rv()
    return job.addFollowOnJobFn(breaker, value, directory, displayName="breaker", **TINY).rv()


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--mode", required=True, choices=["tree", "realtime", "sleepers", "fail"])
    parser.add_argument("--dir", default=".")
    parser.add_argument("--chatter", type=int, default=0)
    options = parser.parse_args()
    directory = os.path.abspath(options.dir)
    roots = {
        "tree": lambda: Job.wrapJobFn(tree, options.chatter, displayName="root", **TINY),
        "realtime": lambda: Job.wrapJobFn(realtime, directory, displayName="realtime", **TINY),
        "sleepers": lambda: Job.wrapJobFn(sleepers, directory, displayName="root", **TINY),
        "fail": lambda: Job.wrapJobFn(fail, directory, displayName="root", **TINY),
    }
    with Toil(options) as toil:
        result = toil.restart() if options.restart else toil.start(roots[options.mode]())
    print("RESULT", result)
    sys.stdout.flush()
