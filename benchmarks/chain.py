"""A chain of N trivial jobs, each the only child of the one before; the last returns N.

    python benchmarks/chain.py JOBSTORE --jobs 1000 [toil options]

Each link hands its successor's promise back up, so the root's return value is the last
link's. Runs unchanged on this project and on Toil; prints the result and the leader's peak
resident set (``BENCH leader_maxrss_kb=``).
"""

import resource
from argparse import ArgumentParser

from toil.common import Toil
from toil.job import Job

SMALL = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def link(job, i, n):
    if i == n:
        return i
    return job.addChildJobFn(link, i + 1, n, **SMALL).rv()


def main():
    parser = ArgumentParser()
    Job.Runner.addToilOptions(parser)
    parser.add_argument("--jobs", type=int, default=1000)
    options = parser.parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapJobFn(link, 1, options.jobs, **SMALL))
    assert result == options.jobs, (result, options.jobs)
    print(result)
    print(f"BENCH leader_maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)


if __name__ == "__main__":
    main()
