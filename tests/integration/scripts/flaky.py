"""A job that fails until it has been tried --failures times (attempts counted in a file).

    python flaky.py JOBSTORE --attempts FILE [--failures N] [--after-parent] [--permanent] [toil options]

With --after-parent the flaky job is the sole child of a first job with the same
requirements (so a worker may chain into it); otherwise it is the root. With --permanent
it fails with PermanentJobFailure (not retried) instead of RuntimeError.
"""

import os

from toil.common import Toil
from toil.core.job import PermanentJobFailure
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def flaky(attempts_file, failures, permanent=False):
    with open(attempts_file, "a") as handle:
        handle.write("attempt\n")
    with open(attempts_file) as handle:
        attempt = len(handle.readlines())
    if attempt <= failures:
        raise (PermanentJobFailure if permanent else RuntimeError)(f"flaky failure on attempt {attempt}")
    return f"succeeded on attempt {attempt}"


def parent():
    return "parent done"


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--attempts", required=True)
    parser.add_argument("--failures", type=int, default=1)
    parser.add_argument("--after-parent", action="store_true")
    parser.add_argument("--permanent", action="store_true")
    options = parser.parse_args()
    job = Job.wrapFn(flaky, os.path.abspath(options.attempts), options.failures, options.permanent, **TINY)
    root = job
    if options.after_parent:
        root = Job.wrapFn(parent, **TINY)
        root.addChild(job)
    with Toil(options) as toil:
        toil.start(root)
    with open(options.attempts) as handle:
        print(f"RESULT attempts={len(handle.readlines())}")
