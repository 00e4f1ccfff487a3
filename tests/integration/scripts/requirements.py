"""Jobs with requirements written with size suffixes; each reports what it was given.

    python requirements.py JOBSTORE [toil options]
"""

import json

from toil.common import Toil
from toil.job import Job


def report(job):
    return {"memory": job.memory, "disk": job.disk, "cores": job.cores}


class Sized(Job):
    def __init__(self):
        super().__init__(memory="1.5Gi", cores=0.5, disk="1K")

    def run(self, fileStore):
        return report(self)


def root(job):
    decimal = job.addChildJobFn(report, memory="512M", disk="1K", cores=0.5)
    binary = job.addChild(Sized())
    defaults = job.addChildJobFn(report)  # --defaultMemory, --defaultCores, --defaultDisk
    return {"decimal": decimal.rv(), "binary": binary.rv(), "defaults": defaults.rv()}


if __name__ == "__main__":
    options = Job.Runner.getDefaultArgumentParser().parse_args()
    with Toil(options) as toil:
        print("RESULT " + json.dumps(toil.start(Job.wrapJobFn(root, cores=0.1, memory="10M", disk="1M"))))
