"""Encapsulation in the style of Toil's documentation.

``a.encapsulate()`` stands for a and everything a creates: a job added after the
encapsulated job runs once the whole subgraph of a is done.

    python encapsulation.py ./jobstore
"""

from toil.common import Toil
from toil.job import Job


def note(job, text, log):
    with open(log, "a") as handle:
        handle.write(text + "\n")


def fan(job, log):
    note(job, "a", log)
    for i in range(3):
        job.addChildJobFn(note, f"a-child-{i}", log, cores=0.1, memory="20M", disk="1M")


def main():
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--log", default="encapsulation.log")
    options = parser.parse_args()
    open(options.log, "w").close()
    a = Job.wrapJobFn(fan, options.log, cores=0.1, memory="20M", disk="1M")
    b = Job.wrapJobFn(note, "b", options.log, cores=0.1, memory="20M", disk="1M")
    encapsulated = a.encapsulate()
    encapsulated.addChild(b)  # b runs after a and all of a's children
    root = Job(cores=0.1, memory="20M", disk="1M")
    root.addChild(encapsulated)
    with Toil(options) as toil:
        toil.start(root)
    with open(options.log) as handle:
        print(" ".join(line.strip() for line in handle))


if __name__ == "__main__":
    main()
