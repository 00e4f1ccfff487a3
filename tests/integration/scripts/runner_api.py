"""Job.Runner: getDefaultArgumentParser, getDefaultOptions, addToilOptions, startToil.

    python runner_api.py parser JOBSTORE [toil options]      # getDefaultArgumentParser + startToil
    python runner_api.py defaults JOBSTORE                   # getDefaultOptions(jobStore) + startToil
    python runner_api.py addopts JOBSTORE --greeting X [toil options]   # addToilOptions on our parser
"""

import argparse
import sys

from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def greet(name):
    return f"hello {name}"


def main(mode, argv):
    if mode == "parser":
        parser = Job.Runner.getDefaultArgumentParser()
        options = parser.parse_args(argv)
        name = "parser"
    elif mode == "defaults":
        options = Job.Runner.getDefaultOptions(argv[0])
        print(f"DEFAULTS clean={options.clean} retryCount={options.retryCount} logLevel={options.logLevel}")
        options.logLevel = "ERROR"
        name = "defaults"
    elif mode == "addopts":
        parser = argparse.ArgumentParser(description="a user's own parser")
        parser.add_argument("--greeting", required=True)
        Job.Runner.addToilOptions(parser)
        options = parser.parse_args(argv)
        name = options.greeting
    else:
        raise SystemExit(f"unknown mode {mode}")
    print("RESULT", Job.Runner.startToil(Job.wrapFn(greet, name, **TINY), options))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
