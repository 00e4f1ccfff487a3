"""PromisedRequirement: memory from a promised file's size, cores from a promised number.

    python promised_requirements.py JOBSTORE [toil options]

Prints the root's return value as JSON: what each consumer saw of its own requirements.
"""

import json
import os

from toil.common import Toil
from toil.job import Job, PromisedRequirement

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}
FILE_SIZE = 3 * 1024 * 1024 + 17


def make_file(job):
    path = job.fileStore.getLocalTempFile()
    with open(path, "wb") as handle:
        handle.write(b"x" * FILE_SIZE)
    return job.fileStore.writeGlobalFile(path)


def how_many_cores():
    return 0.25


def use_file(job, file_id):
    with open(job.fileStore.readGlobalFile(file_id), "rb") as handle:
        size = len(handle.read())
    return {"ran": True, "read_size": size, "memory": job.memory, "cores": job.cores, "pid": os.getpid()}


def use_cores(job, cores_value):
    return {"ran": True, "cores_arg": cores_value, "cores": job.cores, "memory": job.memory}


def root(job):
    file_job = job.addChildJobFn(make_file, **TINY)
    cores_job = job.addChildFn(how_many_cores, **TINY)
    sized = job.addFollowOnJobFn(
        use_file,
        file_job.rv(),
        memory=PromisedRequirement(lambda fid: fid.size + 1024 * 1024, file_job.rv()),
        cores=0.1,
        disk=PromisedRequirement(lambda fid: fid.size * 2, file_job.rv()),
    )
    cored = job.addFollowOnJobFn(
        use_cores,
        cores_job.rv(),
        cores=PromisedRequirement(lambda x: x, cores_job.rv()),
        memory="10M",
        disk="1M",
    )
    plain = job.addFollowOnJobFn(use_cores, cores_job.rv(), cores=PromisedRequirement(cores_job.rv()),
                                 memory="10M", disk="1M")
    return {"sized": sized.rv(), "cored": cored.rv(), "plain": plain.rv(), "file_size": FILE_SIZE}


if __name__ == "__main__":
    options = Job.Runner.getDefaultArgumentParser().parse_args()
    with Toil(options) as toil:
        print("RESULT " + json.dumps(toil.start(Job.wrapJobFn(root, **TINY)), sort_keys=True))
