"""Jobs that log to the leader in each of Toil's ways.

    python logging_jobs.py JOBSTORE [toil options]
"""

import logging

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


class Talker(Job):
    def __init__(self):
        super().__init__(**TINY)

    def run(self, fileStore):
        self.log("marker-job-log-subclass")
        fileStore.logToMaster("marker-logToMaster")
        return "talked"


def talk(job):
    job.log("marker-job-log-fn")
    job.fileStore.log_to_leader("marker-log_to_leader")
    job.fileStore.logToMaster("marker-warning-level", level=logging.WARNING)
    job.addChild(Talker())
    return "ok"


if __name__ == "__main__":
    options = Job.Runner.getDefaultArgumentParser().parse_args()
    with Toil(options) as toil:
        print("RESULT", toil.start(Job.wrapJobFn(talk, **TINY)))
