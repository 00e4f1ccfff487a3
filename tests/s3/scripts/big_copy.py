"""Import a file, copy it in a job (checksumming as it reads), export the copy.

    python big_copy.py JOBSTORE --src URL --dst URL [--dst URL ...] [toil options]

Prints ``RESULT {"md5": ..., "worker_maxrss_kib": ..., "leader_maxrss_kib": ..., "leader_hwm_kib": ...}``:
the job's checksum of what it read and its peak RSS (getrusage), and the leader's peak RSS
at the end, by getrusage and by /proc/self/status VmHWM. Linux carries ru_maxrss across
exec (the launching process's peak counts), so for a leader started by a big process
(pytest) only VmHWM, the peak of the leader's own address space, says what it used.
"""

import hashlib
import json
import resource

from toil.common import Toil
from toil.job import Job


def copy(job, file_id):
    path = job.fileStore.readGlobalFile(file_id)
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    copied = job.fileStore.writeGlobalFile(path)
    return copied, digest.hexdigest(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def high_water_mark() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--src", required=True)
    parser.add_argument("--dst", action="append", required=True)
    options = parser.parse_args()
    with Toil(options) as toil:
        file_id = toil.importFile(options.src)
        copied, md5, worker_rss = toil.start(Job.wrapJobFn(copy, file_id, cores=1, memory="200M", disk="300M"))
        for dst in options.dst:
            toil.exportFile(copied, dst)
    leader_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("RESULT " + json.dumps({"md5": md5, "worker_maxrss_kib": worker_rss, "leader_maxrss_kib": leader_rss,
                                  "leader_hwm_kib": high_water_mark()}))
