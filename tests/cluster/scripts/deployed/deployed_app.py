"""A workflow whose jobs need a module from the script's own directory (auto-deployment test).

    python deployed_app.py JOBSTORE [toil options]
"""

import os
import sys
from argparse import ArgumentParser

import toil_deploy_helper

from toil.common import Toil
from toil.job import Job


def work(x):
    here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else None
    return {"value": toil_deploy_helper.square(x), "helper": toil_deploy_helper.__file__, "script_dir": here,
            "pythonpath": os.environ.get("PYTHONPATH", ""), "path": sys.path[:3]}


def main():
    parser = ArgumentParser()
    Job.Runner.addToilOptions(parser)
    options = parser.parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapFn(work, 7, cores=0.1, memory="200M", disk="1M"))
    print("RESULT", result)


if __name__ == "__main__":
    main()
