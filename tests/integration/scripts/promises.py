"""rv() promises in every shape; prints the root's return value as JSON.

    python promises.py JOBSTORE [toil options]
"""

import json

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def produce_tuple():
    return (7, {"a": "deep-a", "b": [10, 20, 30]}, "third")


def produce_dict():
    return {"key": "value-of-key", "n": 42}


def echo(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}


def inner():
    return "inner-value"


def outer(job):
    """Return a promise of a child's value: a promise of a promise."""
    return job.addChildFn(inner, **TINY).rv()


def outer_of_outer(job):
    """Two levels of promises of promises."""
    return job.addChildJobFn(outer, **TINY).rv()


def add(x, y):
    return x + y


def root(job):
    t = job.addChildFn(produce_tuple, **TINY)
    d = job.addChildFn(produce_dict, **TINY)
    o = job.addChildJobFn(outer, **TINY)
    oo = job.addChildJobFn(outer_of_outer, **TINY)
    # Consumers run after the producers (follow-ons of the root), promises as arguments,
    # inside lists and dicts, and as keyword arguments.
    consumer = job.addFollowOnFn(
        echo,
        t.rv(0),
        [t.rv(1, "a"), t.rv(1, "b", 2), {"nested": [d.rv("key")]}],
        d.rv(),
        kw_whole=t.rv(),
        kw_key=d.rv("n"),
        kw_outer=o.rv(),
        kw_list=[oo.rv(), t.rv(2)],
        **TINY,
    )
    # A chain of consumers: promises of a job that itself consumed promises.
    total = consumer.addChildFn(add, t.rv(0), d.rv("n"), **TINY)
    # The root returns promises; start() resolves them.
    return {
        "whole_tuple": t.rv(),
        "first": t.rv(0),
        "key": d.rv("key"),
        "path": t.rv(1, "a"),
        "path_index": t.rv(1, "b", 1),
        "indexed": t.rv(1)["b"],
        "of_promise": o.rv(),
        "of_promise_twice": oo.rv(),
        "consumer": consumer.rv(),
        "total": total.rv(),
        "in_list": [t.rv(2), d.rv("n")],
    }


if __name__ == "__main__":
    options = Job.Runner.getDefaultArgumentParser().parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapJobFn(root, **TINY))
    print("RESULT " + json.dumps(result, sort_keys=True))
