"""``toil status JOBSTORE``: how far a workflow got, from its job records."""

from __future__ import annotations

import argparse
import enum
from dataclasses import dataclass, field

from toil.cli.common import describe, failed_job_ids, load_records, open_store, root_id
from toil.core import control
from toil.core.check import reachable_jobs
from toil.core.description import JobDescription
from toil.core.jobstore import AbstractJobStore, NoSuchBlobError


class WorkflowState(enum.Enum):
    NOT_STARTED = "NOT_STARTED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass
class Report:
    state: WorkflowState
    records: dict[str, JobDescription] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    leader: control.LeaderInfo | None = None
    killed: bool = False  # toil kill stopped its last leader

    @property
    def completed(self) -> int:
        return sum(1 for record in self.records.values() if record.ran)

    @property
    def pending(self) -> int:
        return len(self.records) - self.completed - len(self.failed)


def _is_service(record: JobDescription) -> bool:
    return getattr(record, "kind", "") == "service"


def inspect(store: AbstractJobStore) -> Report:
    """Read the workflow's state: its leader, its records and which jobs failed."""
    leader = control.leader_running(store)
    root = root_id(store)
    if root is None:
        return Report(WorkflowState.RUNNING if leader else WorkflowState.NOT_STARTED, leader=leader)
    # Records no job names (left by attempts cut short) are not part of the workflow.
    everything = load_records(store, light=True)
    records = {job_id: everything[job_id] for job_id in reachable_jobs(root, everything)}
    failed = failed_job_ids(store, records)
    unfinished = [r for r in records.values() if not r.ran and not _is_service(r)]
    if leader is not None:
        state = WorkflowState.RUNNING
    elif root in records and not unfinished:
        state = WorkflowState.COMPLETED
    else:
        state = WorkflowState.FAILED
    return Report(state, records, failed, leader, killed=store.has("shared", control.KILL_KEY))


def summary_lines(report: Report, locator: str) -> list[str]:
    lines = [f"Workflow status: {report.state.value}"]
    if report.leader is not None:
        lines.append(f"The leader runs as pid {report.leader.pid} on {report.leader.host}.")
    if report.state is WorkflowState.NOT_STARTED:
        lines.append(f"The workflow in {locator} has not started (it has no root job).")
        return lines
    lines.append(
        f"Of the {len(report.records)} jobs in {locator}, {report.completed} have completed, "
        f"{report.pending} are waiting or running and {len(report.failed)} have failed."
    )
    if report.state is WorkflowState.FAILED and report.killed:
        lines.append("The workflow was stopped by toil kill; continue it with --restart.")
    elif report.state is WorkflowState.FAILED and not report.failed:
        lines.append("No job failed: the leader stopped (it was killed or crashed) before the workflow finished.")
    for job_id in report.failed:
        lines.append(f"Failed job: {describe(report.records[job_id])}")
    return lines


def dot_lines(report: Report) -> list[str]:
    """The job graph in Graphviz dot: children solid, follow-ons dashed, services dotted."""
    failed = set(report.failed)
    lines = ["digraph toil_graph {", "  node [shape=box];"]
    for job_id, record in sorted(report.records.items()):
        color = "red" if job_id in failed else ("black" if record.ran else "blue")
        label = (record.display_name or record.name).replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'  "{job_id}" [label="{label}\\n{job_id}" color={color}];')
    for job_id, record in sorted(report.records.items()):
        for phase, successors in enumerate(record.phases):
            style = "" if phase == 0 else " [style=dashed]"
            lines.extend(f'  "{job_id}" -> "{successor}"{style};' for successor in successors)
        for tier in getattr(record, "services", []) or []:
            lines.extend(f'  "{job_id}" -> "{service}" [style=dotted];' for service in tier)
    lines.append("}")
    return lines


def log_lines(store: AbstractJobStore, report: Report) -> list[str]:
    lines: list[str] = []
    for job_id in report.failed:
        try:
            text = store.get("logs", job_id).decode(errors="replace")
        except NoSuchBlobError:
            continue
        lines.append(f"=== Log of the failed job {describe(report.records[job_id])} ===")
        lines.extend("\t" + line for line in text.splitlines())
    return lines


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("status", help="Report the state of a workflow and of its jobs.",
                                 description="Report the state of a workflow: NOT_STARTED, RUNNING, COMPLETED "
                                             "or FAILED, with counts of its jobs.")
    parser.add_argument("jobStore", help="The workflow's job store.")
    parser.add_argument("--failIfNotComplete", action="store_true",
                        help="Exit with status 1 unless the workflow has completed.")
    parser.add_argument("--printLogs", "--logs", dest="printLogs", action="store_true",
                        help="Print the logs of the failed jobs.")
    parser.add_argument("--printDot", action="store_true", help="Print the job graph in Graphviz dot.")
    parser.add_argument("--failed", action="store_true", help="Only list the failed jobs.")
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    store = open_store(options.jobStore)
    report = inspect(store)
    if options.failed:
        lines = [f"Failed job: {describe(report.records[job_id])}" for job_id in report.failed]
    else:
        lines = summary_lines(report, options.jobStore)
    if options.printDot:
        lines += dot_lines(report)
    if options.printLogs:
        lines += log_lines(store, report)
    print("\n".join(lines))
    if options.failIfNotComplete and report.state is not WorkflowState.COMPLETED:
        return 1
    return 0
