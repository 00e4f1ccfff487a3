"""The HTML report of a workflow run, from the job store's per-attempt records (toil.core.records).

One self-contained file that opens offline: plotly.js is embedded in it once, and nothing is
fetched from anywhere. It has a summary (status, command line, duration, totals, the failed
steps with the tail of their log), a timeline of every attempt, resources per step against what
was requested, and the job graph. Written by ``--report FILE.html`` when a run ends and by
``toil report JOBSTORE -o FILE.html`` at any time.
"""

from __future__ import annotations

import html
import os
import shlex
import time
from typing import Any

from toil.core.records import RunRecords

MISSING_PLOTLY = "the HTML report needs plotly: pip install 'toil[report]' (or pip install plotly)"

STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
pre { background: #f6f6f6; padding: 0.5em; max-height: 24em; overflow: auto; white-space: pre-wrap; }
.succeeded { color: #1b7e2a; } .failed { color: #b00020; } .running { color: #a06000; }
"""


def plotly_available() -> bool:
    try:
        import plotly  # noqa: F401
    except ImportError:
        return False
    return True


def _when(seconds: float | None) -> str:
    return "-" if seconds is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def summary(records: RunRecords, locator: str) -> str:
    """Status, command lines, times and totals, as an HTML fragment."""
    attempts = records.attempts
    status = records.status
    first = records.runs[0] if records.runs else {}
    last = records.runs[-1] if records.runs else {}
    start = first.get("start") or min((a["submit"] for a in attempts), default=None)
    end = last.get("end") or max((a["end"] for a in attempts), default=None)
    jobs = {a["job"] for a in attempts}
    failed = [a for a in attempts if a["status"] != "COMPLETED"]
    retried = {a["job"] for a in attempts if a["attempt"] > 1}
    rows = [
        ("Status", f'<span class="{status}">{html.escape(status)}</span>'),
        ("Job store", html.escape(locator or str(first.get("locator", "")))),
        ("Workflow id", html.escape(str(first.get("workflow", "-")))),
    ]
    for number, run in enumerate(records.runs, 1):
        label = "Command line" if number == 1 else f"Command line (run {number}, restart)"
        rows.append((label, "<code>" + html.escape(shlex.join(str(p) for p in run.get("command", []))) + "</code>"))
    rows += [
        ("Started", _when(start)), ("Ended", _when(last.get("end"))),
        ("Duration", _duration(end - start) if start is not None and end is not None else "-"),
        ("Runs (first run and restarts)", str(len(records.runs))),
        ("Jobs", str(len(jobs))), ("Attempts", str(len(attempts))),
        ("Failed attempts", str(len(failed))), ("Jobs retried", str(len(retried))),
        ("CPU time, all attempts", f"{sum(a.get('cpu') or 0.0 for a in attempts):.1f} s"),
        ("Largest peak memory", f"{max((a.get('peak_rss') or 0 for a in attempts), default=0) / 2**20:.1f} MiB"),
    ]
    return "<h2>Summary</h2>" + _table(rows) + _failures(failed, last.get("failed", []))


def _failures(failed: list[dict[str, Any]], gave_up: list[dict[str, str]]) -> str:
    if not failed:
        return ""
    parts = ["<h2>Failed attempts, with the tail of their log</h2>"]
    if gave_up:
        names = ", ".join(html.escape(f"{job.get('name')} ({job.get('job_id')})") for job in gave_up)
        parts.append(f"<p>Failed with no retries left: {names}</p>")
    for attempt in failed:
        title = (f"{attempt.get('step') or attempt.get('name')} (job {attempt['job']}), attempt {attempt['attempt']}: "
                 f"{attempt['status']}, exit {attempt.get('exit')}")
        parts.append(f'<h3 class="failed">{html.escape(title)}</h3>')
        if attempt.get("reason"):
            parts.append(f"<p>{html.escape(str(attempt['reason']))}</p>")
        tail = str(attempt.get("stderr") or "").rstrip()
        parts.append(f'<pre class="stderr-tail">{html.escape(tail)}</pre>' if tail else "<p>(no log was kept)</p>")
    return "".join(parts)


def render(records: RunRecords, locator: str = "") -> str:
    """The whole report as one HTML document."""
    from toil.core import report_figures

    attempts = records.attempts
    sections = [summary(records, locator)]
    if attempts:
        figures = [("timeline", report_figures.timeline(attempts)), ("resources", report_figures.resources(attempts)),
                   ("graph", report_figures.graph(attempts))]
        for number, (name, figure) in enumerate(figures):
            body = figure.to_html(full_html=False, include_plotlyjs=number == 0, div_id=f"toil-{name}",
                                  config={"displaylogo": False, "responsive": True})
            sections.append(f'<section id="{name}">{body}</section>')
    else:
        sections.append("<p>No job attempt has been recorded yet.</p>")
    title = html.escape(f"Toil workflow report: {locator}" if locator else "Toil workflow report")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{STYLE}</style></head><body><h1>{title}</h1>{''.join(sections)}</body></html>\n")


def write_report(records: RunRecords, path: str, locator: str = "") -> None:
    """Write the report to path (atomically: a reader never sees half a report)."""
    text = render(records, locator)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    partial = f"{path}.partial-{os.getpid()}"
    with open(partial, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(partial, path)
