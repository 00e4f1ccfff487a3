"""One small job that reports where and how it ran, and can sleep or fail.

    python one_job.py JOBSTORE [--sleep S] [--fail] [--env NAME] [toil options]

Prints "RESULT <json>" with the job's temp dirs, pid and the value of $NAME.
"""

import json
import os
import time

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def report(job, sleep, fail, env_name):
    job.log("one_job is running")
    if sleep:
        time.sleep(sleep)
    if fail:
        raise RuntimeError("one_job was asked to fail")
    return {
        "local_temp_dir": job.fileStore.getLocalTempDir(),
        "temp_file": job.fileStore.getLocalTempFile(),
        "job_temp_dir": job.tempDir,
        "env": os.environ.get(env_name) if env_name else None,
        "pid": os.getpid(),
    }


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--fail", action="store_true")
    parser.add_argument("--env", default=None)
    options = parser.parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapJobFn(report, options.sleep, options.fail, options.env, **TINY))
    print("RESULT " + json.dumps(result))
