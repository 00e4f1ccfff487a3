"""One of three workflow shapes of about N trivial jobs, for the scale benchmark (issue 21).

    python benchmarks/scale.py JOBSTORE --shape fanout|chain|tree --jobs N [toil options]

- ``fanout``: a root adds N children returning their index and a follow-on summing the N promises.
- ``chain``: N jobs, each the only child of the one before; the last one's value is handed back up.
- ``tree``: a balanced merge-sort-like tree: each inner job splits its range in two children and a
  follow-on sums their promises; leaves return their index. About N jobs (3 per leaf).

Runs unchanged on this project and on Toil. The last lines printed are the result and the leader's
own peak resident set (``BENCH leader_maxrss_kb=``).
"""

import resource
from argparse import ArgumentParser

from toil.common import Toil
from toil.job import Job

SMALL = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def index(i):
    return i


def total(values):
    return sum(values)


def fan(job, n):
    promises = [job.addChildFn(index, i, **SMALL).rv() for i in range(n)]
    return job.addFollowOnFn(total, promises, **SMALL).rv()


def link(job, i, n):
    if i >= n:
        return i
    return job.addChildJobFn(link, i + 1, n, **SMALL).rv()


def split(job, lo, hi):
    if hi - lo <= 1:
        return lo
    mid = (lo + hi) // 2
    halves = [job.addChildJobFn(split, lo, mid, **SMALL).rv(), job.addChildJobFn(split, mid, hi, **SMALL).rv()]
    return job.addFollowOnFn(total, halves, **SMALL).rv()


def leaves(n):
    """Leaves of a tree of about n jobs: L leaves make L + 2 (L - 1) jobs."""
    return max(1, (n + 2) // 3)


def root_and_answer(shape, n):
    if shape == "fanout":
        return Job.wrapJobFn(fan, n, **SMALL), n * (n - 1) // 2
    if shape == "chain":
        return Job.wrapJobFn(link, 1, n, **SMALL), n
    width = leaves(n)
    return Job.wrapJobFn(split, 0, width, **SMALL), width * (width - 1) // 2


def main():
    parser = ArgumentParser()
    Job.Runner.addToilOptions(parser)
    parser.add_argument("--shape", choices=["fanout", "chain", "tree"], default="fanout")
    parser.add_argument("--jobs", type=int, default=1000)
    options = parser.parse_args()
    root, expected = root_and_answer(options.shape, options.jobs)
    with Toil(options) as toil:
        result = toil.restart() if options.restart else toil.start(root)
    assert result == expected, (result, expected)
    print(result)
    print(f"BENCH leader_maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)


if __name__ == "__main__":
    main()
