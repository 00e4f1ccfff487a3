"""Misuses of Toil's Python API, one per --case, for the bad-input corpus (see ../MANIFEST).

    python misuse.py JOBSTORE --case NAME [toil options]

Every case but ``ok`` is an error the user made; each must end in one clear error line.
"""

from __future__ import annotations

from toil.common import Toil
from toil.job import Job


def fine(job: Job) -> str:
    return "fine"


def uses(job: Job, value: object) -> object:
    return value


def build(case: str) -> Job:
    root = Job.wrapJobFn(fine)
    if case == "cycle":
        other = root.addChildJobFn(fine)
        other.addChild(root)
    elif case == "self_child":
        root.addChild(root)
    elif case == "follow_on_cycle":
        child = root.addChildJobFn(fine)
        follow = child.addFollowOnJobFn(fine)
        follow.addChild(child)
    elif case == "foreign_promise":
        stranger = Job.wrapJobFn(fine)  # never added to the workflow
        root.addChildJobFn(uses, stranger.rv())
    elif case == "checkpoint_with_child":
        root = Job.wrapJobFn(fine, checkpoint=True)
        root.addChildJobFn(fine)
    elif case in REQUIREMENTS:
        root.addChildJobFn(fine, **REQUIREMENTS[case])
    return root


REQUIREMENTS: dict[str, dict[str, object]] = {
    "cores1000": {"cores": 1000},
    "memory100T": {"memory": "100T"},
    "disk100P": {"disk": "100P"},
    "memory_unit": {"memory": "12Q"},
    "negative_cores": {"cores": -1},
    "cores_word": {"cores": "lots"},
    "memory_negative": {"memory": "-5G"},
}


def main() -> None:
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--case", required=True)
    parser.add_argument("--always-start", action="store_true",
                        help="call start() even with --restart (the mistake of Toil issue 3094)")
    options = parser.parse_args()
    with Toil(options) as toil:
        if options.restart and not options.always_start:
            result = toil.restart()
        else:
            result = toil.start(build(options.case))
    print("RESULT", result)


if __name__ == "__main__":
    main()
