"""Fan-out of N jobs that report the node they ran on and the leader's paths they could see.

    python spread.py JOBSTORE --jobs 30 --hidden PATH [--hidden PATH ...] [toil options]

Prints one JSON line: the jobs' reports (spread_helper.where) in order.
"""

import json
from argparse import ArgumentParser

import spread_helper

from toil.common import Toil
from toil.job import Job


def fan(job, n, hidden):
    promises = [job.addChildFn(spread_helper.where, i, hidden, cores=0.1, memory="200M", disk="1M").rv()
                for i in range(n)]
    return promises


def main():
    parser = ArgumentParser()
    Job.Runner.addToilOptions(parser)
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--hidden", action="append", default=[])
    options = parser.parse_args()
    with Toil(options) as toil:
        reports = toil.start(Job.wrapJobFn(fan, options.jobs, options.hidden, cores=0.1, memory="200M", disk="1M"))
    print(json.dumps(reports))


if __name__ == "__main__":
    main()
