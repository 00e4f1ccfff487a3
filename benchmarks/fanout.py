"""Fan-out of N trivial jobs with a follow-on summing their promises.

    python benchmarks/fanout.py JOBSTORE --jobs 1000 [--marker-dir DIR] [toil options]

Runs unchanged on this project and on Toil. With ``--restart`` it resumes the workflow in
JOBSTORE. With ``--marker-dir`` every child job also leaves a file DIR/<i>.<pid>.<ns> behind,
so the benchmark harness can tell how many children ran (and how many ran twice). The last
two lines printed are the sum and the leader's own peak resident set (``BENCH leader_maxrss_kb=``).
"""

import os
import resource
import time
from argparse import ArgumentParser

from toil.common import Toil
from toil.job import Job

SMALL = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def index(i, marker_dir=None):
    if marker_dir:
        with open(os.path.join(marker_dir, f"{i}.{os.getpid()}.{time.time_ns()}"), "w"):
            pass
    return i


def total(values):
    return sum(values)


def fan(job, n, marker_dir=None):
    promises = [job.addChildFn(index, i, marker_dir, **SMALL).rv() for i in range(n)]
    return job.addFollowOnFn(total, promises, **SMALL).rv()


def main():
    parser = ArgumentParser()
    Job.Runner.addToilOptions(parser)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--marker-dir", default=None)
    options = parser.parse_args()
    with Toil(options) as toil:
        if options.restart:
            result = toil.restart()
        else:
            result = toil.start(Job.wrapJobFn(fan, options.jobs, options.marker_dir, **SMALL))
    expected = options.jobs * (options.jobs - 1) // 2
    assert result == expected, (result, expected)
    print(result)
    print(f"BENCH leader_maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)


if __name__ == "__main__":
    main()
