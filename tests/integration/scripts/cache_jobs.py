"""Jobs that read one file through the machine's cache (run with --caching true).

    python cache_jobs.py JOBSTORE --state DIR [toil options]

The root writes a small file and a big one. Two reader jobs read the small file and report
the inode they got; a killer job reads the big file and, on its first attempt, SIGKILLs its
own worker while the cache entry is being filled; its retry reads it again and checks every
byte. A greedy job uses more disk than it asked for. Prints the readers' and the killer's
reports as JSON.
"""

import hashlib
import json
import os
import signal
import threading
import time

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}
BIG = 64 * 1024 * 1024


def cache_files(fs):
    return os.path.join(os.path.dirname(fs.getLocalTempDir()), "cache", "files")


def inodes_in(directory):
    if not os.path.isdir(directory):
        return set()
    return {os.stat(os.path.join(directory, name)).st_ino for name in os.listdir(directory)}


def reader(job, file_id):
    fs = job.fileStore
    path = fs.readGlobalFile(file_id)
    with open(path) as handle:
        content = handle.read()
    info = os.stat(path)
    stored = fs.jobStore.local_path(file_id)
    return {
        "path": path,
        "ino": info.st_ino,
        "content_ok": content == "small file\n",
        "in_cache": info.st_ino in inodes_in(cache_files(fs)),
        "store_ino": os.stat(stored).st_ino if stored else None,
        "writable": bool(info.st_mode & 0o222),
    }


def kill_when_filling(directory, state):
    """SIGKILL this process as soon as a cache entry is being filled (a temporary file exists)."""
    while True:
        try:
            names = os.listdir(directory)
        except FileNotFoundError:  # no cache (yet)
            time.sleep(0.001)
            continue
        if any(name.startswith(".tmp-") for name in names):
            with open(os.path.join(state, "killed"), "w") as handle:
                handle.write(repr(names))
            os.kill(os.getpid(), signal.SIGKILL)


def killer(job, file_id, digest, state):
    fs = job.fileStore
    flag = os.path.join(state, "killer-tried")
    directory = cache_files(fs)
    if not os.path.exists(flag):
        open(flag, "w").close()
        threading.Thread(target=kill_when_filling, args=(directory, state), daemon=True).start()
        fs.readGlobalFile(file_id)
        return {"killed": False}
    path = fs.readGlobalFile(file_id)
    with open(path, "rb") as handle:
        ok = hashlib.sha256(handle.read()).hexdigest() == digest
    return {"killed": os.path.exists(os.path.join(state, "killed")), "retry_content_ok": ok,
            "entries": len(os.listdir(directory))}


def greedy(job):
    with open(job.fileStore.getLocalTempFile(), "wb") as handle:
        handle.write(b"x" * 200_000)


def root(job, state):
    fs = job.fileStore
    small = fs.getLocalTempFile()
    with open(small, "w") as handle:
        handle.write("small file\n")
    small_id = fs.writeGlobalFile(small)
    with fs.writeGlobalFileStream() as (handle, big_id):
        block = os.urandom(1024 * 1024)
        digest = hashlib.sha256()
        for _ in range(BIG // len(block)):
            handle.write(block)
            digest.update(block)
    one = job.addChildJobFn(reader, small_id, **TINY)
    two = one.addFollowOnJobFn(reader, small_id, **TINY)  # a separate job, after the first
    kill = job.addChildJobFn(killer, big_id, digest.hexdigest(), state, cores=0.1, memory="10M", disk="200M")
    job.addChildJobFn(greedy, cores=0.1, memory="10M", disk="1K")
    return {"one": one.rv(), "two": two.rv(), "killer": kill.rv()}


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--state", required=True)
    options = parser.parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapJobFn(root, os.path.abspath(options.state), cores=0.1, memory="10M",
                                          disk="100M"))
    print("RESULT", json.dumps(result))
