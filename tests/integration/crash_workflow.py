"""A workflow of about 200 jobs with visible side effects, for the crash/restart test.

    python crash_workflow.py JOBSTORE --effects FILE [toil options]   # add --restart to resume

Every job appends one line ``<label> <pid> <parent pid> <time>`` to the effects file (one ``os.write`` on an
O_APPEND descriptor, so lines never interleave), sleeps a deterministic 5-30 ms and returns
the sorted labels of its subtree. Its label is also its display name, so the label of a job
can be read from its record in the job store. The shape:

    root                        static children static0..3, static follow-on "final"
      tree                      dynamic child of root, follow-on gather "tree.gather"
        b<i>          (i < 4)   dynamic children of tree, follow-on gather "b<i>.gather"
          b<i>.m<j>   (j < 6)   dynamic children of b<i>, follow-on gather "b<i>.m<j>.gather"
            b<i>.m<j>.l<k> (k < 6)  dynamic leaves

That is 1 (root) + 2 (tree, tree.gather) + 4 + 4 + 24 + 24 + 144 + 4 (static) + 1 (final)
= 208 jobs. The root's value, printed as JSON on stdout, is the sorted list of the labels of
the dynamic tree (every label but root, static<s> and final); "final", a static follow-on of
the root, gathers the root's value and the static children's and fails the workflow unless
every label is there.
"""

from __future__ import annotations

import json
import os
import time
import zlib

from toil.common import Toil
from toil.job import Job

BRANCHES = 4
MIDS = 6
LEAVES = 6
STATICS = 4


def expected_labels() -> list[str]:
    """Every label the workflow runs, sorted: what "final" gathers."""
    labels = ["root", "final", "tree", "tree.gather"]
    labels += [f"static{s}" for s in range(STATICS)]
    for b in range(BRANCHES):
        labels += [f"b{b}", f"b{b}.gather"]
        for m in range(MIDS):
            labels += [f"b{b}.m{m}", f"b{b}.m{m}.gather"]
            labels += [f"b{b}.m{m}.l{k}" for k in range(LEAVES)]
    return sorted(labels)


def effect(effects: str, label: str) -> None:
    """Record that the job ran (one atomic append), then take 5-30 ms like real work."""
    fd = os.open(effects, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{label} {os.getpid()} {os.getppid()} {time.time():.6f}\n".encode())
    finally:
        os.close(fd)
    time.sleep((5 + zlib.crc32(label.encode()) % 26) / 1000)


def leaf(job: Job, effects: str, label: str) -> list[str]:
    effect(effects, label)
    return [label]


def gather(job: Job, effects: str, label: str, parts: list[list[str]]) -> list[str]:
    effect(effects, label)
    return sorted([label, *(name for part in parts for name in part)])


def _fan_out(job: Job, effects: str, label: str, children: list[tuple[object, str]]) -> list[str]:
    """Add the children dynamically and a follow-on that gathers their labels and ours."""
    promises = [job.addChildJobFn(fn, effects, child, displayName=child).rv() for fn, child in children]
    return job.addFollowOnJobFn(
        gather, effects, f"{label}.gather", [[label], *promises], displayName=f"{label}.gather"
    ).rv()


def mid(job: Job, effects: str, label: str) -> list[str]:
    effect(effects, label)
    return _fan_out(job, effects, label, [(leaf, f"{label}.l{k}") for k in range(LEAVES)])


def branch(job: Job, effects: str, label: str) -> list[str]:
    effect(effects, label)
    return _fan_out(job, effects, label, [(mid, f"{label}.m{m}") for m in range(MIDS)])


def tree(job: Job, effects: str, label: str) -> list[str]:
    effect(effects, label)
    return _fan_out(job, effects, label, [(branch, f"b{b}") for b in range(BRANCHES)])


def root(job: Job, effects: str, label: str) -> list[str]:
    """Add the tree dynamically; the value is every label of the tree (a promise of a promise)."""
    effect(effects, label)
    return job.addChildJobFn(tree, effects, "tree", displayName="tree").rv()


def check_final(job: Job, effects: str, label: str, parts: list[list[str]]) -> list[str]:
    """The static follow-on: runs last and fails the workflow unless every label came back."""
    effect(effects, label)
    got = sorted([label, *(name for part in parts for name in part)])
    if got != expected_labels():
        raise RuntimeError(f"labels missing or extra: {sorted(set(got) ^ set(expected_labels()))}")
    return got


def build(effects: str) -> Job:
    """The static part of the graph: the root, its static children and the final follow-on."""
    top = Job.wrapJobFn(root, effects, "root", displayName="root")
    statics = [top.addChildJobFn(leaf, effects, f"static{s}", displayName=f"static{s}").rv() for s in range(STATICS)]
    # A follow-on of the root starts once the subtrees of all the root's children are done,
    # the dynamic tree's follow-ons included, so the root's value is complete by then.
    top.addFollowOnJobFn(check_final, effects, "final", [["root"], top.rv(), *statics], displayName="final")
    return top


def main() -> None:
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--effects", required=True, help="file each job appends '<label> <pid> <ppid> <time>' to")
    options = parser.parse_args()
    effects = os.path.abspath(options.effects)
    with Toil(options) as toil:
        if options.restart:
            result = toil.restart()
        else:
            result = toil.start(build(effects))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
