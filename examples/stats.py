"""Jobs that use time, CPU and disk differently, to look at with ``toil stats``.

    python stats.py file:my-jobstore --stats
    toil stats file:my-jobstore
    toil clean file:my-jobstore

Each job is named with ``displayName``, which is what ``toil stats`` groups jobs by. One job
does nothing, one thinks hard on one core, one thinks on all the cores it asked for, and one
mostly sleeps: compare their CPU time with their real time (and the CPU they reserved).
"""

import time
from multiprocessing import Process

from toil.common import Toil
from toil.job import Job


def burn_cpu(seconds):
    """Keep one core busy for about this many seconds."""
    deadline = time.time() + seconds
    count = 0
    while time.time() < deadline:
        count += 1


class Worker(Job):
    def __init__(self, think_seconds, sleep_seconds, scratch_bytes, **kwargs):
        super().__init__(memory="100M", disk="10M", **kwargs)
        self.think_seconds = think_seconds
        self.sleep_seconds = sleep_seconds
        self.scratch_bytes = scratch_bytes

    def run(self, fileStore):
        # Use some local scratch space...
        with open(fileStore.getLocalTempFile(), "wb") as scratch:
            scratch.write(b"\0" * self.scratch_bytes)
        # ...think on every core this job asked for...
        if self.think_seconds:
            thinkers = [Process(target=burn_cpu, args=(self.think_seconds,)) for _ in range(max(1, int(self.cores)))]
            for thinker in thinkers:
                thinker.start()
            for thinker in thinkers:
                thinker.join()
        # ...and waste some time.
        time.sleep(self.sleep_seconds)


def main():
    options = Job.Runner.getDefaultArgumentParser().parse_args()

    idle = Worker(0, 0, 0, displayName="doNothing")
    efficient = Worker(2, 0, 4096, displayName="efficientJob")
    parallel = Worker(2, 0, 1024, cores=2, displayName="multithreadedJob")
    sleepy = Worker(0.2, 1.8, 65536, displayName="inefficientJob")

    idle.addChild(efficient)
    idle.addChild(parallel)
    parallel.addChild(sleepy)

    with Toil(options) as toil:
        if toil.options.restart:
            toil.restart()
        else:
            toil.start(idle)


if __name__ == "__main__":
    main()
