"""Workflows that are wrong in one way each, for the error-reporting tests.

    python bad_workflows.py JOBSTORE --case CASE [toil options]

Cases: ok, boom, cores1000, memory100T, promised_cores, cycle, foreign_promise, bad_memory,
import_missing, export_http.
"""

import os

from toil.common import Toil
from toil.job import Job, PromisedRequirement

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def fine():
    return "fine"


def explode_on_purpose():
    raise RuntimeError("boom-123")


def thousand():
    return 1000


def needs_many_cores():
    return "never runs"


def build(case, options):
    if case == "ok":
        return Job.wrapFn(fine, **TINY)
    if case == "boom":
        root = Job.wrapFn(fine, **TINY)
        root.addChildFn(explode_on_purpose, **TINY)
        return root
    if case == "cores1000":
        root = Job.wrapFn(fine, **TINY)
        root.addChildFn(needs_many_cores, cores=1000, memory="10M", disk="1M")
        return root
    if case == "memory100T":
        return Job.wrapFn(needs_many_cores, cores=0.1, memory="100T", disk="1M")
    if case == "promised_cores":
        root = Job.wrapFn(fine, **TINY)
        count = root.addChildFn(thousand, **TINY)
        root.addFollowOnFn(needs_many_cores, cores=PromisedRequirement(lambda n: n, count.rv()),
                           memory="10M", disk="1M")
        return root
    if case == "cycle":
        a = Job.wrapFn(fine, **TINY)
        b = Job.wrapFn(fine, **TINY)
        a.addChild(b)
        b.addChild(a)
        return a
    if case == "foreign_promise":
        outsider = Job.wrapFn(fine, **TINY)  # never added to the workflow
        return Job.wrapFn(print, outsider.rv(), **TINY)
    if case == "bad_memory":
        return Job.wrapFn(fine, cores=0.1, memory="lots", disk="1M")
    raise SystemExit(f"unknown case {case}")


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--case", required=True)
    parser.add_argument("--url", default=None)
    options = parser.parse_args()
    with Toil(options) as toil:
        if options.case == "import_missing":
            toil.importFile(options.url)
        elif options.case == "export_http":
            with open("to-export.txt", "w") as handle:
                handle.write("data")
            toil.exportFile(toil.importFile(os.path.abspath("to-export.txt")), options.url)
        elif options.restart:
            print("RESULT", toil.restart())
        else:
            print("RESULT", toil.start(build(options.case, options)))
