"""Fan-out of N trivial jobs with a follow-on summing their promises.

    python benchmarks/fanout.py JOBSTORE --jobs 1000 [toil options]
"""

from argparse import ArgumentParser

from toil.common import Toil
from toil.job import Job


def index(i):
    return i


def total(values):
    return sum(values)


def fan(job, n):
    promises = [job.addChildFn(index, i, cores=0.1, memory="10M", disk="1M").rv() for i in range(n)]
    return job.addFollowOnFn(total, promises, cores=0.1, memory="10M", disk="1M").rv()


def main():
    parser = ArgumentParser()
    Job.Runner.addToilOptions(parser)
    parser.add_argument("--jobs", type=int, default=1000)
    options = parser.parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapJobFn(fan, options.jobs, cores=0.1, memory="10M", disk="1M"))
    expected = options.jobs * (options.jobs - 1) // 2
    assert result == expected, (result, expected)
    print(result)


if __name__ == "__main__":
    main()
