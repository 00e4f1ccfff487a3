"""A job that creates 50 children while it runs, and a follow-on that sums their promises.

    python fanout.py JOBSTORE [--width N] [toil options]
"""

import os

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def square(i):
    return {"value": i * i, "pid": os.getpid()}


def total(results):
    return {"sum": sum(r["value"] for r in results), "count": len(results)}


def fan_out(job, width):
    promises = [job.addChildFn(square, i, **TINY).rv() for i in range(width)]
    return job.addFollowOnFn(total, promises, **TINY).rv()


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--width", type=int, default=50)
    options = parser.parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapJobFn(fan_out, options.width, **TINY))
    print(f"RESULT sum={result['sum']} count={result['count']}")
