"""A checkpoint in the style of Toil's documentation.

A checkpoint job's subtree is restarted as a whole: when a job below it fails for good,
everything the checkpoint created is dropped and the checkpoint runs again. Here a
child fails until its checkpoint has run twice.

    python checkpoints.py ./jobstore --retryCount 1
"""

import os

from toil.common import Toil
from toil.job import Job


def unreliable(job, counter):
    with open(counter) as handle:
        runs = int(handle.read() or 0)
    if runs < 2:
        raise RuntimeError(f"the checkpoint has run {runs} time(s); failing until it runs again")
    return f"succeeded after {runs} checkpoint runs"


def checkpointed(job, counter):
    with open(counter) as handle:
        runs = int(handle.read() or 0)
    with open(counter, "w") as handle:
        handle.write(str(runs + 1))
    return job.addChildJobFn(unreliable, counter, cores=0.1, memory="20M", disk="1M").rv()


def main():
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--counter", default="checkpoint-runs.txt")
    options = parser.parse_args()
    with open(options.counter, "w") as handle:
        handle.write("0")
    root = Job.wrapJobFn(checkpointed, os.path.abspath(options.counter), checkpoint=True, cores=0.1,
                         memory="20M", disk="1M")
    with Toil(options) as toil:
        print(toil.start(root))


if __name__ == "__main__":
    main()
