"""A chain of jobs, each the sole successor of the one before, with equal requirements.

    python chain.py JOBSTORE --record FILE [--length N] [toil options]

Every job appends "INDEX PID" to FILE.
"""

import itertools
import os

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def record_pid(path, index):
    with open(path, "a") as handle:
        handle.write(f"{index} {os.getpid()}\n")
    return index


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--length", type=int, default=5)
    options = parser.parse_args()
    path = os.path.abspath(options.record)
    jobs = [Job.wrapFn(record_pid, path, index, **TINY) for index in range(options.length)]
    for before, after in itertools.pairwise(jobs):
        before.addChild(after)
    with Toil(options) as toil:
        print("RESULT", toil.start(jobs[0]))
