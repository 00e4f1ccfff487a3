"""``toil check-store JOBSTORE``: look for damage that would stop ``--restart``.

Read-only: it reports torn or unreadable records, references to jobs without a record,
missing bodies or return values and wrong predecessor counts (exit 1), and counts the
records that attempts cut short left unreachable (harmless; exit 0).
"""

from __future__ import annotations

import argparse

from toil.cli.common import open_store
from toil.core.check import check_store


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("check-store", help="Check a job store for torn or dangling records (read-only).")
    parser.add_argument("jobStore", help="The job store to check.")
    parser.add_argument("--verbose", action="store_true", help="List the unreachable records too.")
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    store = open_store(options.jobStore)
    report = check_store(store)
    if not report.started:
        print(f"The workflow in {options.jobStore} has not started (it has no root job).")
    else:
        print(f"{report.records} job records, {report.reachable} reachable from the root, "
              f"{report.unreachable_count} unreachable blobs left by attempts cut short.")
    if options.verbose:
        for namespace, keys in report.unreachable.items():
            for key in keys:
                print(f"unreachable {namespace} {key}")
    for error in report.errors:
        print(f"error: {error}")
    if report.errors:
        print(f"The job store {options.jobStore} is damaged: {len(report.errors)} problems.")
        return 1
    print(f"The job store {options.jobStore} is consistent.")
    return 0
