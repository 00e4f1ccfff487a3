"""``toil clean JOBSTORE``: delete a job store and everything in it."""

from __future__ import annotations

import argparse
import sys

from toil.cli.common import fail, open_store
from toil.core import control


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("clean", help="Delete a job store and everything in it.")
    parser.add_argument("jobStore", help="The job store to delete.")
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    store = open_store(options.jobStore)
    leader = control.leader_running(store)
    if leader is not None:
        fail(f"The workflow in {options.jobStore} is running (leader pid {leader.pid} on {leader.host}); "
             f"stop it with toil kill {options.jobStore} first.")
    store.destroy()
    print(f"Deleted the job store {options.jobStore}.", file=sys.stderr)
    return 0
