"""Jobs that run one at a time (with --maxCores 1), slowly enough to kill the leader between them.

    python crashable.py JOBSTORE --record FILE [--count N] [--sleep S] [toil options]

Each job appends "start I" and "end I" to FILE. The root's value is the sum of the
children's values (0 + 1 + ... + N-1), through a follow-on. Uses Job.Runner.startToil,
which restarts when --restart is given.
"""

import os
import time

from toil.job import Job


def note(path, text):
    with open(path, "a") as handle:
        handle.write(text + "\n")


def nap(path, index, seconds):
    note(path, f"start {index}")
    time.sleep(seconds)
    note(path, f"end {index}")
    return index


def total(*values):
    return sum(values)


def root(job, path, count, seconds):
    values = [job.addChildFn(nap, path, i, seconds, cores=1, memory="10M", disk="1M").rv() for i in range(count)]
    return job.addFollowOnFn(total, *values, cores=0.1, memory="10M", disk="1M").rv()


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--sleep", type=float, default=0.7)
    options = parser.parse_args()
    job = Job.wrapJobFn(root, os.path.abspath(options.record), options.count, options.sleep,
                        cores=0.1, memory="10M", disk="1M")
    print("RESULT", Job.Runner.startToil(job, options))
