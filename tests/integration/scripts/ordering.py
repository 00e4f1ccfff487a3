"""Children run after their parent; follow-ons after the parent's children's whole subtrees.

    python ordering.py JOBSTORE --record FILE [toil options]

Every job appends "start NAME" and "end NAME" lines to FILE (O_APPEND, one write per line),
so the file's line order is the order things happened in.
"""

import os
import time

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def record(path, event, name):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{event} {name}\n".encode())
    finally:
        os.close(fd)


def step(path, name, pause=0.0):
    record(path, "start", name)
    time.sleep(pause)
    record(path, "end", name)
    return name


def step_job(job, path, name, pause=0.0):
    """A job function: it gets its job first."""
    assert isinstance(job, Job)
    return step(path, name, pause)


def grow(job, path, name):
    """A job function that adds a child and a follow-on of its own at run time."""
    step(path, name)
    job.addChildJobFn(step_job, path, name + ".child", 0.3, **TINY)
    job.addFollowOnFn(step, path, name + ".followon", **TINY)
    return name


class Root(Job):
    """A Job subclass with run(self, fileStore)."""

    def __init__(self, path):
        super().__init__(**TINY)
        self.path = path

    def run(self, fileStore):
        assert fileStore is self.fileStore
        step(self.path, "root")
        return "root"


class Leaf(Job):
    def __init__(self, path, name, pause=0.0):
        super().__init__(**TINY)
        self.path, self.name, self.pause = path, name, pause

    def run(self, fileStore):
        return step(self.path, self.name, self.pause)


def build(path):
    root = Root(path)
    # Children of every kind.
    a = root.addChild(Leaf(path, "a", 0.2))
    a.addChild(Leaf(path, "a.child", 0.4))  # a grandchild: part of a's subtree
    b = root.addChildFn(step, path, "b", 0.1, **TINY)
    # A job with two parents runs once, after both.
    join = Job.wrapFn(step, path, "join", **TINY)
    a.addChild(join)
    b.addChild(join)
    root.addChildJobFn(grow, path, "c", **TINY)
    # Follow-ons of every kind: all of them wait for a, b, c and everything below them.
    root.addFollowOn(Leaf(path, "f1"))
    root.addFollowOnFn(step, path, "f2", **TINY)
    f3 = root.addFollowOnJobFn(step_job, path, "f3", **TINY)
    f3.addChild(Job.wrapJobFn(step_job, path, "f3.child", **TINY))
    return root


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--record", required=True)
    options = parser.parse_args()
    with Toil(options) as toil:
        print("RESULT", toil.start(build(os.path.abspath(options.record))))
