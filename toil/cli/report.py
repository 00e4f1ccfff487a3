"""``toil report JOBSTORE -o FILE.html``: the HTML report of a workflow, finished, failed or still running.

Made from the per-attempt records the leader keeps in the job store (toil.core.records); a
running leader flushes them every few seconds, so the report of a running workflow is at most
that much behind.
"""

from __future__ import annotations

import argparse

from toil.cli.common import fail, open_store
from toil.core.records import read_records
from toil.core.report import MISSING_PLOTLY, plotly_available, write_report


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("report", help="Write an HTML report of a workflow run.",
                                 description="Write one self-contained HTML file (it opens offline) with a "
                                             "summary, a timeline of every job attempt, resources per step and the "
                                             "job graph of a workflow, finished, failed or still running.")
    parser.add_argument("jobStore", help="The workflow's job store.")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.html", help="Where to write the report.")
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    if not plotly_available():
        fail(MISSING_PLOTLY)
    store = open_store(options.jobStore)
    records = read_records(store)
    if not records.runs and not records.attempts:
        fail(f"The job store '{options.jobStore}' holds no records of a run (it never ran, or predates them).")
    try:
        write_report(records, options.output, options.jobStore)
    except OSError as e:
        fail(f"cannot write {options.output}: {e.strerror or e}")
    print(f"Wrote the report ({records.status}, {len(records.attempts)} job attempts) to {options.output}")
    return 0
