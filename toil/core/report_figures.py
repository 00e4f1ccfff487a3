"""The plotly figures of the HTML report: timeline, resources per step, job graph.

plotly is imported here only, and only when a report is made (the ``report`` extra).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

MIB = 1024 * 1024
ROW_HEIGHT = 18
MAX_HEIGHT = 4000


def _plotly() -> Any:
    import plotly.graph_objects as go

    return go


def _colours(steps: list[str]) -> dict[str, str]:
    import plotly.colors

    palette = plotly.colors.qualitative.Plotly + plotly.colors.qualitative.D3
    return {step: palette[i % len(palette)] for i, step in enumerate(steps)}


def _when(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds).isoformat(timespec="milliseconds")


def _step(attempt: dict[str, Any]) -> str:
    return str(attempt.get("step") or attempt.get("name") or "?")


def _steps(attempts: list[dict[str, Any]]) -> list[str]:
    return sorted({_step(a) for a in attempts})


def timeline(attempts: list[dict[str, Any]]) -> Any:
    """A Gantt chart: a row per job, a bar per attempt (submit to end, the run darker), coloured by step.

    A failed attempt is cross-hatched and outlined, so a retry shows as a hatched bar followed by
    a plain one on the same row.
    """
    go = _plotly()
    figure = go.Figure()
    colours = _colours(_steps(attempts))
    rows: dict[str, str] = {}
    for attempt in attempts:
        rows.setdefault(attempt["job"], f"{_step(attempt)} · {attempt['job'][:8]}")
    by_step: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for attempt in attempts:
        by_step[_step(attempt)].append(attempt)
    for step, items in sorted(by_step.items()):
        start = [a["start"] if a.get("start") is not None else a["submit"] for a in items]
        failed = [a["status"] != "COMPLETED" for a in items]
        figure.add_trace(go.Bar(
            orientation="h", name=step, legendgroup=step, y=[rows[a["job"]] for a in items],
            base=[_when(s) for s in start],
            x=[max(1.0, (a["end"] - s) * 1000) for a, s in zip(items, start, strict=True)],
            marker={"color": colours[step], "pattern": {"shape": ["x" if f else "" for f in failed]},
                    "line": {"color": ["#b00020" if f else colours[step] for f in failed],
                             "width": [2 if f else 0 for f in failed]}},
            text=[f"#{a['attempt']}" + (" failed" if f else "") for a, f in zip(items, failed, strict=True)],
            textposition="inside", insidetextanchor="start",
            hovertext=[_hover(a) for a in items], hoverinfo="text",
        ))
    figure.update_layout(
        title="Timeline of every job attempt (hatched: failed; #n: attempt number)", barmode="overlay",
        xaxis={"type": "date", "title": "time"}, yaxis={"autorange": "reversed", "showticklabels": len(rows) <= 200},
        height=min(MAX_HEIGHT, 200 + ROW_HEIGHT * max(len(rows), 6)), legend_title_text="step",
    )
    return figure


def _hover(attempt: dict[str, Any]) -> str:
    parts = [f"{_step(attempt)} (job {attempt['job']}), attempt {attempt['attempt']}: {attempt['status']}",
             f"exit {attempt.get('exit')}"]
    if attempt.get("start") is not None:
        parts.append(f"ran {attempt['end'] - attempt['start']:.2f} s, CPU {attempt.get('cpu', 0):.2f} s, "
                     f"peak {attempt.get('peak_rss', 0) / MIB:.1f} MiB")
    if attempt.get("host"):
        parts.append(f"host {attempt['host']}")
    return "<br>".join(parts)


def resources(attempts: list[dict[str, Any]]) -> Any:
    """Per step: run time, cores used (CPU s / wall s) against cores requested, peak memory against requested."""
    from plotly.subplots import make_subplots

    go = _plotly()
    measured = [a for a in attempts if a.get("start") is not None]
    steps = _steps(measured)
    colours = _colours(steps)
    titles = ("Run time per attempt (s)", "Cores used (CPU time / run time) and requested",
              "Peak memory and requested (MiB)")
    figure = make_subplots(rows=3, cols=1, vertical_spacing=0.08, subplot_titles=titles)
    for step in steps:
        items = [a for a in measured if _step(a) == step]
        wall = [max(0.0, a["end"] - a["start"]) for a in items]
        used = [a.get("cpu", 0.0) / w if w > 0 else 0.0 for a, w in zip(items, wall, strict=True)]
        common = {"name": step, "legendgroup": step, "marker": {"color": colours[step]}, "boxpoints": "all",
                  "jitter": 0.4, "pointpos": 0, "hovertext": [_hover(a) for a in items], "hoverinfo": "text"}
        figure.add_trace(go.Box(x=[step] * len(items), y=wall, **common), row=1, col=1)
        figure.add_trace(go.Box(x=[step] * len(items), y=used, showlegend=False, **common), row=2, col=1)
        figure.add_trace(go.Box(x=[step] * len(items), y=[a.get("peak_rss", 0) / MIB for a in items],
                                showlegend=False, **common), row=3, col=1)
        for row, key, scale in ((2, "cores", 1.0), (3, "memory", MIB)):
            requested = [a[key] / scale for a in items if a.get(key) is not None]
            if requested:
                figure.add_trace(go.Scatter(
                    x=[step], y=[max(requested)], mode="markers", showlegend=False, name=f"{step} requested",
                    marker={"symbol": "line-ew-open", "size": 40, "color": "#b00020", "line": {"width": 3}},
                    hovertext=[f"{step}: requested {max(requested):g}"], hoverinfo="text"), row=row, col=1)
    figure.update_layout(title="Resources per step (red bar: what the step requested)", height=1100,
                         legend_title_text="step")
    return figure


def graph(attempts: list[dict[str, Any]]) -> Any:
    """The jobs that ran, left to right by depth, with an edge from each parent to its children."""
    go = _plotly()
    latest: dict[str, dict[str, Any]] = {}
    for attempt in attempts:
        latest[attempt["job"]] = attempt
    depth: dict[str, int] = {}  # a parent's first attempt comes before its children's
    layers: dict[int, list[str]] = defaultdict(list)
    for job_id, attempt in latest.items():
        depth[job_id] = 1 + max((depth[p] for p in attempt.get("parents", []) if p in depth), default=-1)
        layers[depth[job_id]].append(job_id)
    where = {job_id: (level, i - (len(jobs) - 1) / 2)
             for level, jobs in layers.items() for i, job_id in enumerate(jobs)}
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for job_id, attempt in latest.items():
        for parent in attempt.get("parents", []):
            if parent in where:
                edge_x += [where[parent][0], where[job_id][0], None]
                edge_y += [where[parent][1], where[job_id][1], None]
    figure = go.Figure(go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"color": "#999", "width": 1},
                                  hoverinfo="skip", showlegend=False))
    colours = _colours(_steps(list(latest.values())))
    for step in sorted(colours):
        jobs = [j for j, a in latest.items() if _step(a) == step]
        figure.add_trace(go.Scatter(
            x=[where[j][0] for j in jobs], y=[where[j][1] for j in jobs], mode="markers", name=step,
            marker={"size": 12, "color": colours[step], "symbol": [
                "x" if latest[j]["status"] != "COMPLETED" else "circle" for j in jobs]},
            hovertext=[_hover(latest[j]) for j in jobs], hoverinfo="text"))
    widest = max((len(jobs) for jobs in layers.values()), default=1)
    figure.update_layout(title="Job graph (parent to children, left to right; x: failed)", legend_title_text="step",
                         xaxis={"title": "depth", "dtick": 1}, yaxis={"visible": False},
                         height=min(MAX_HEIGHT, 300 + 20 * widest))
    return figure
