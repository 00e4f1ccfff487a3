"""Several independent jobs that each sleep; each records when it started and ended.

    python parallel.py JOBSTORE --record FILE [--count N] [--cores C] [--sleep S] [toil options]
"""

import os
import time

from toil.common import Toil
from toil.job import Job


def nap(path, index, seconds):
    start = time.time()
    time.sleep(seconds)
    end = time.time()
    with open(path, "a") as handle:
        handle.write(f"{index} {start!r} {end!r}\n")


def root():
    return "root"


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--cores", type=float, default=1)
    parser.add_argument("--sleep", type=float, default=0.5)
    options = parser.parse_args()
    top = Job.wrapFn(root, cores=0.1, memory="10M", disk="1M")
    for index in range(options.count):
        top.addChildFn(nap, os.path.abspath(options.record), index, options.sleep,
                       cores=options.cores, memory="10M", disk="1M")
    with Toil(options) as toil:
        print("RESULT", toil.start(top))
