"""N jobs that record their scheduler job id and sleep (cluster tests of kills and retries).

    python sleepers.py JOBSTORE --marks DIR --jobs N --sleep S [--onlyFirstTry] [toil options]

Each job i writes DIR/i.<attempt> with its scheduler job id (SLURM_JOB_ID or JOB_ID), then
sleeps S seconds; with --onlyFirstTry a retry (DIR/i.1 already exists) finishes at once.
"""

import os
import time
from argparse import ArgumentParser

from toil.common import Toil
from toil.job import Job


def sleeper(i, marks, seconds, only_first_try):
    attempt = 1
    while os.path.exists(os.path.join(marks, f"{i}.{attempt}")):
        attempt += 1
    with open(os.path.join(marks, f"{i}.{attempt}"), "w") as handle:
        handle.write(os.environ.get("SLURM_JOB_ID") or os.environ.get("JOB_ID") or "?")
    if attempt == 1 or not only_first_try:
        time.sleep(seconds)
    return attempt


def root(job, n, marks, seconds, only_first_try):
    return [job.addChildFn(sleeper, i, marks, seconds, only_first_try, cores=0.1, memory="200M", disk="1M").rv()
            for i in range(n)]


def main():
    parser = ArgumentParser()
    Job.Runner.addToilOptions(parser)
    parser.add_argument("--marks", required=True)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--sleep", type=float, default=60)
    parser.add_argument("--onlyFirstTry", action="store_true")
    options = parser.parse_args()
    with Toil(options) as toil:
        if options.restart:
            attempts = toil.restart()
        else:
            attempts = toil.start(Job.wrapJobFn(root, options.jobs, options.marks, options.sleep,
                                                options.onlyFirstTry, cores=0.1, memory="200M", disk="1M"))
    print("attempts", attempts)


if __name__ == "__main__":
    main()
