"""A Python-API workflow for the chaos tests: files in and out, a cache, deferred functions.

    python pyflow.py JOBSTORE --effects FILE --deferred FILE --input FILE --out FILE [toil options]

main imports --input, runs the graph and exports the final file to --out; it prints
``RESULT <sha256 of the output>``. The graph: a root with BRANCHES dynamic children, each
with LEAVES dynamic children and a follow-on gather; a final follow-on of the root joins the
gathers (the root's value). Every job first registers a deferred function that appends ``<job id> <pid>`` to
--deferred, then appends ``<label> <job id> <pid>`` to --effects (one O_APPEND write each,
so lines never interleave); jobs wait while ``<effects>.hold`` exists. Leaves read the imported
input (through the cache with --caching true) and write a file derived from it and their label;
gathers concatenate.
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib

from toil.common import Toil
from toil.job import Job

BRANCHES = 3
LEAVES = 5
FAILING = "b1.l2"  # the leaf that fails while --fail-while names a file that exists
SMALL = {"cores": 0.1, "memory": "20M", "disk": "5M"}


def append(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def note_deferred(path: str, job_id: str, pid: int) -> None:
    append(path, f"{job_id} {pid}\n")


def begin(job: Job, opts: dict, label: str) -> None:
    """Register the deferred function, then record the side effect of this attempt."""
    job.defer(note_deferred, opts["deferred"], job.jobStoreID, os.getpid())
    append(opts["effects"], f"{label} {job.jobStoreID} {os.getpid()}\n")


def pause(label: str, opts: dict) -> None:
    time.sleep((opts["sleep"] + zlib.crc32(label.encode()) % 20) / 1000)
    while os.path.exists(opts["effects"] + ".hold"):  # a test holds the workflow running
        time.sleep(0.05)


def write_text(job: Job, data: bytes) -> str:
    path = job.fileStore.getLocalTempFile()
    with open(path, "wb") as f:
        f.write(data)
    return job.fileStore.writeGlobalFile(path)


def leaf(job: Job, opts: dict, label: str, source: str) -> str:
    begin(job, opts, label)
    if label == FAILING and opts["fail_while"] and os.path.exists(opts["fail_while"]):
        raise RuntimeError(f"{label} fails while {opts['fail_while']} exists")
    with open(job.fileStore.readGlobalFile(source, cache=True), "rb") as f:
        data = f.read()
    digest = hashlib.sha256(label.encode() + data).digest()
    body = (label.encode() + b" " + digest.hex().encode() + b"\n") * max(1, opts["size"] // 80)
    pause(label, opts)
    return write_text(job, body)


def gather(job: Job, opts: dict, label: str, parts: list[str]) -> str:
    begin(job, opts, label)
    chunks = []
    for part in parts:
        with job.fileStore.readGlobalFileStream(part) as stream:
            chunks.append(stream.read())
    pause(label, opts)
    return write_text(job, b"".join(chunks))


def branch(job: Job, opts: dict, label: str, source: str) -> str:
    begin(job, opts, label)
    parts = [job.addChildJobFn(leaf, opts, f"{label}.l{k}", source, displayName=f"{label}.l{k}", **SMALL).rv()
             for k in range(LEAVES)]
    return job.addFollowOnJobFn(gather, opts, f"{label}.gather", parts, displayName=f"{label}.gather",
                                **SMALL).rv()


def root(job: Job, opts: dict, source: str) -> str:
    """Add the branches and a follow-on joining them; the root's value is the joined file."""
    begin(job, opts, "root")
    parts = [job.addChildJobFn(branch, opts, f"b{b}", source, displayName=f"b{b}", **SMALL).rv()
             for b in range(BRANCHES)]
    return job.addFollowOnJobFn(gather, opts, "final", parts, displayName="final", **SMALL).rv()


def build(opts: dict, source: str) -> Job:
    return Job.wrapJobFn(root, opts, source, displayName="root", **SMALL)


def main() -> None:
    parser = Job.Runner.getDefaultArgumentParser()
    for name in ("effects", "deferred", "input", "out"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--size", type=int, default=20000, help="bytes each leaf writes")
    parser.add_argument("--sleep", type=int, default=20, help="milliseconds each job sleeps, at least")
    parser.add_argument("--fail-while", default="", help=f"job {FAILING} fails while this file exists")
    options = parser.parse_args()
    opts = {"effects": os.path.abspath(options.effects), "deferred": os.path.abspath(options.deferred),
            "size": options.size, "sleep": options.sleep,
            "fail_while": options.fail_while and os.path.abspath(options.fail_while)}
    with Toil(options) as toil:
        if options.restart:
            final = toil.restart()
        else:
            source = toil.importFile(f"file://{os.path.abspath(options.input)}")
            final = toil.start(build(opts, source))
        toil.exportFile(final, f"file://{os.path.abspath(options.out)}")
    with open(options.out, "rb") as f:
        print("RESULT", hashlib.sha256(f.read()).hexdigest(), flush=True)


if __name__ == "__main__":
    main()
