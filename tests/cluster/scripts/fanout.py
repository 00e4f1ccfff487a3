"""Fan-out of N trivial jobs and a follow-on summing their promises (cluster tests).

    python fanout.py JOBSTORE --jobs 50 --jobMemory 200M [toil options]

Like benchmarks/fanout.py, with a memory request a Python worker fits in, since the test
schedulers enforce memory.
"""

from argparse import ArgumentParser

from toil.common import Toil
from toil.job import Job


def index(i):
    return i


def total(values):
    return sum(values)


def fan(job, n, memory):
    promises = [job.addChildFn(index, i, cores=0.1, memory=memory, disk="1M").rv() for i in range(n)]
    return job.addFollowOnFn(total, promises, cores=0.1, memory=memory, disk="1M").rv()


def main():
    parser = ArgumentParser()
    Job.Runner.addToilOptions(parser)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--jobMemory", default="200M")
    options = parser.parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapJobFn(fan, options.jobs, options.jobMemory, cores=0.1, memory=options.jobMemory,
                                          disk="1M"))
    expected = options.jobs * (options.jobs - 1) // 2
    assert result == expected, (result, expected)
    print(result)


if __name__ == "__main__":
    main()
