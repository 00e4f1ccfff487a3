"""``toil stats JOBSTORE``: time, CPU and memory of a workflow run with --stats.

The text report follows the shape of Toil's: an overall summary, then tables for the
worker processes, for all jobs together and for each kind of job (its display name),
each column showing min, median, average, max and total. ``--raw`` prints the same
numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from toil.cli.common import fail, open_store
from toil.core import stats

CATEGORIES = ("time", "clock", "wait", "memory")
TITLES = {"time": "Real Time (s)", "clock": "CPU Time (core·s)", "wait": "CPU Wait (core·s)", "memory": "Memory (B)"}
FIELDS = ("min", "med", "ave", "max", "total")
WIDTH = 9


def summarize(values: Iterable[float]) -> dict[str, float]:
    data = sorted(values)
    if not data:
        return dict.fromkeys(FIELDS, 0.0)
    return {"min": data[0], "med": float(statistics.median(data)), "ave": sum(data) / len(data),
            "max": data[-1], "total": float(sum(data))}


def measures(entry: dict[str, Any]) -> dict[str, float]:
    wall, cpu = float(entry["wall"]), float(entry["cpu"])
    return {"time": wall, "clock": cpu, "wait": float(entry.get("cores", 1.0)) * wall - cpu,
            "memory": float(entry["memory"])}


def group_summary(entries: list[dict[str, float]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"count": len(entries)}
    for category in CATEGORIES:
        summary[category] = summarize(entry[category] for entry in entries)
    return summary


def collect(jobs: list[dict[str, Any]], workflow: dict[str, Any] | None) -> dict[str, Any]:
    """Aggregate the per-job stats into the report's numbers (what --raw prints)."""
    by_worker: dict[str, list[dict[str, float]]] = defaultdict(list)
    by_type: dict[str, list[dict[str, float]]] = defaultdict(list)
    cores: dict[str, float] = defaultdict(float)
    for job in jobs:
        measured = measures(job)
        by_worker[str(job.get("worker", job.get("job")))].append(measured)
        by_type[str(job["name"])].append(measured)
        cores[str(job["name"])] += float(job.get("cores", 1.0))
    workers = [{"time": sum(m["time"] for m in ms), "clock": sum(m["clock"] for m in ms),
                "wait": sum(m["wait"] for m in ms), "memory": max(m["memory"] for m in ms)}
               for ms in by_worker.values()]
    job_types = {name: {**group_summary(entries), "total_cores": cores[name]} for name, entries in by_type.items()}
    jobs_cpu = sum(float(job["cpu"]) for job in jobs)
    overall = dict(workflow or {})
    overall["local_cpu"] = round(float(overall.get("leader_cpu", 0.0)) + jobs_cpu, 6)
    return {
        "workflow": overall,
        "worker": group_summary(workers),
        "worker_jobs": summarize(len(ms) for ms in by_worker.values()),
        "jobs": group_summary([measures(job) for job in jobs]),
        "job_types": job_types,
    }


# -- text --------------------------------------------------------------------------------------
def _value(category: str, value: float) -> str:
    if category == "memory":
        return f"{int(value // 1024)}Ki".rjust(WIDTH)
    return f"{value:{WIDTH}.2f}"


def _header(sort_category: str, sort_field: str) -> list[str]:
    block = WIDTH * len(FIELDS) + len(FIELDS) - 1
    titles = ["    Count"] + [(TITLES[c] + ("*" if c == sort_category else "")).rjust(block) for c in CATEGORIES]
    names = ["        n"]
    for category in CATEGORIES:
        marked = [f + ("*" if category == sort_category and f == sort_field else "") for f in FIELDS]
        names.append(" ".join(name.rjust(WIDTH) for name in marked))
    return [" | ".join(titles), " | ".join(names)]


def _table(summary: dict[str, Any], sort_category: str, sort_field: str) -> list[str]:
    row = [f"{summary['count']:9d}"]
    for category in CATEGORIES:
        row.append(" ".join(_value(category, summary[category][f]) for f in FIELDS))
    return [*_header(sort_category, sort_field), " | ".join(row)]


def _overview(workflow: dict[str, Any]) -> list[str]:
    max_cores = workflow.get("max_cores")
    return [
        f"Batch System: {workflow.get('batch_system', 'unknown')}",
        f"Default Cores: {float(workflow.get('default_cores', 1.0)):g}  "
        f"Default Memory: {int(workflow.get('default_memory', 0)) // 1024}KiB",
        f"Max Cores: {'unlimited' if max_cores is None else f'{float(max_cores):g}'}",
        f"Local CPU Time: {float(workflow.get('local_cpu', 0.0)):.2f} core·s  "
        f"Overall Runtime: {float(workflow.get('runtime', 0.0)):.2f} s",
    ]


def sort_key(category: str, field: str) -> Any:
    if category == "alpha":
        return lambda item: item[0]
    if category == "count":
        return lambda item: item[1]["count"]
    return lambda item: item[1][category][field]


def format_report(report: dict[str, Any], category: str = "time", field: str = "med",
                  reverse: bool = False) -> str:
    """Render the report as Toil-style text; job kinds sorted by category/field, largest first."""
    marked = category if category in CATEGORIES else ""
    lines = _overview(report["workflow"])
    lines += ["Worker", *_table(report["worker"], marked, field)]
    worker_jobs = report["worker_jobs"]
    lines += ["Job", " Worker Jobs  |" + "".join(f"{name:>7}" for name in ("min", "med", "ave", "max")),
              "              |" + "".join(f"{worker_jobs[name]:7.4g}" for name in ("min", "med", "ave", "max"))]
    lines += _table(report["jobs"], marked, field)
    kinds = sorted(report["job_types"].items(), key=sort_key(category, field), reverse=(category == "alpha") == reverse)
    for name, summary in kinds:
        lines += [f" {name}", f"    Total Cores: {summary['total_cores']:.1f}", *_table(summary, marked, field)]
    return "\n".join(lines)


# -- the command -------------------------------------------------------------------------------
def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("stats", help="Report the time, CPU and memory used by a workflow run with --stats.")
    parser.add_argument("jobStore", help="The workflow's job store.")
    parser.add_argument("--raw", action="store_true", help="Print the numbers as JSON.")
    parser.add_argument("--pretty", "--human", dest="pretty", action="store_true",
                        help="Accepted for compatibility (the text report is already readable).")
    parser.add_argument("--sortCategory", default="time", choices=[*CATEGORIES, "alpha", "count"],
                        help="How to sort the kinds of jobs (default time).")
    parser.add_argument("--sortField", default="med", choices=FIELDS, help="Which statistic to sort by (default med).")
    parser.add_argument("--sortReverse", "--reverseSort", dest="sortReverse", action="store_true",
                        help="Reverse the sort order.")
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    store = open_store(options.jobStore)
    workflow = stats.read_workflow_stats(store)
    jobs = list(stats.read_job_stats(store))
    if workflow is None and not jobs:
        fail(f"The workflow in {options.jobStore} kept no statistics; run it with --stats to keep them.")
    report = collect(jobs, workflow)
    if options.raw:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(format_report(report, options.sortCategory, options.sortField, options.sortReverse))
    return 0
