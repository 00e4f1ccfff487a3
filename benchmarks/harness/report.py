"""Write benchmarks/RESULTS.md from the recorded runs."""

from __future__ import annotations

import os
import platform
import statistics
from typing import Any

from harness import peers, targets
from harness.summary import Cell, cells, latest, ratio
from harness.workloads import Workload


def _num(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _ratio(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 0.1 else f"{x:.2f}"


def _detail(cell: Cell) -> str:
    parts = []
    leader = cell.median("leader_maxrss_kb")
    if leader is not None:
        parts.append(f"leader {leader / 1024:,.0f} MB")
    for key, label in (("done_at_kill", "done at kill"), ("remaining", "unfinished"), ("reran", "reran")):
        got = cell.median(key)
        if got is not None:
            parts.append(f"{label} {got:,.0f}")
    answers = sorted({r["answer"] for r in cell.runs if r.get("answer")})
    if answers:
        parts.append("; ".join(answers[:2]))
    parts += cell.notes()
    return "; ".join(parts).replace("|", "\\|")


HEADER = ("| N | system | ok runs | wall s | CPU s | CPU ms per {per} | max RSS MB | "
          "{base}/system wall | CPU | RSS | output, notes |")


def workload_table(workload: Workload, table: dict[tuple[str, int, str], Cell]) -> list[str]:
    mine = sorted((c for c in table.values() if c.workload == workload.name), key=lambda c: c.n)
    if not mine:
        return ["_Not run._"]
    lines = [HEADER.format(per=workload.per, base=workload.baseline), "|" + "---|" * 11]
    for n in sorted({c.n for c in mine}):
        row_cells = [c for c in mine if c.n == n]
        base = table.get((workload.name, n, workload.baseline))
        row_cells.sort(key=lambda c: (c.system != workload.baseline, c.system))
        for cell in row_cells:
            lines.append(_row(cell, base, workload.baseline))
    return lines


def _row(cell: Cell, base: Cell | None, baseline: str) -> str:
    count = cell.median("remaining") or cell.median("tests") or cell.n  # a restart's jobs are the ones left
    per = None if cell.cpu is None or not count else cell.cpu / count * 1000
    ratios = ["–", "–", "–"]
    if base is not None and cell.system != baseline:
        ratios = [_ratio(ratio(getattr(base, a), getattr(cell, a))) for a in ("wall", "cpu", "rss_mb")]
    size = f"{cell.n:,}" if cell.n else "all"
    return (f"| {size} | {cell.system} | {len(cell.good)}/{len(cell.runs)} | {_num(cell.wall)} | "
            f"{_num(cell.cpu)} | {_num(per)} | {_num(cell.rss_mb, 0)} | {' | '.join(ratios)} | {_detail(cell)} |")


def header(records: list[dict[str, Any]], command: str, quick: bool, reps: int) -> list[str]:
    revisions = sorted({r["revision"] for r in records})
    loads = [r["load"] for r in records if "load" in r]
    finished = sorted(r["finished"] for r in records)
    peer_pins = ", ".join(f"{name}: `{' '.join(reqs)}`" for name, reqs in peers.PEER_REQUIREMENTS.items())
    command = command.replace(os.path.expanduser("~"), "~")  # no machine's own paths in the report
    lines = [
        "# Benchmarks: this project against Toil 9.6, cwltool and miniwdl" + (" (quick mode)" if quick else ""),
        "",
        f"Written from the runs recorded in `benchmarks/.results/` by `make bench` (benchmarks/bench.py); "
        f"last invocation: `{command}`.",
        "",
        f"- Runs: {finished[0] if finished else '–'} to {finished[-1] if finished else '–'} (UTC), "
        f"{reps} repetition(s) asked by the last invocation (`ok runs` gives each cell's), systems "
        "alternating within each repetition; figures are medians of the runs that succeeded.",
        f"- Machine: {os.cpu_count()} cores, {_memory()}, Linux {platform.release()}, Python "
        f"{platform.python_version()}; 1-minute load average during the runs: median "
        f"{_num(statistics.median(loads) if loads else None, 1)}, max {_num(max(loads) if loads else None, 1)}.",
        f"- Ours: revision {', '.join(revisions) or '–'}. Peers (own virtual environments): {peer_pins}.",
        "- wall: elapsed seconds. CPU: user + sys seconds of the command and every process it started "
        "(children included, orphans adopted and counted). max RSS: largest resident set of any one process. "
        "Ratio columns are the baseline system's figure divided by the row's (below 1: the baseline is "
        "cheaper or faster).",
    ]
    if len(revisions) > 1:
        lines.append("- **Warning: the runs come from more than one revision of the code.**")
    return lines


def _memory() -> str:
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        return f"{kb / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        return "unknown memory"


def write(path: str, records: list[dict[str, Any]], workloads: list[Workload], notes: dict[str, list[str]],
          command: str, quick: bool, reps: int) -> None:
    records = latest(records)
    table = cells(records, {w.name for w in workloads if w.machine_cpu})
    lines = header(records, command, quick, reps)
    lines += ["", "## Targets (issue 8)", ""]
    if quick:
        lines.append("Not evaluated: quick mode runs smaller sizes than the targets are stated for.")
    else:
        lines += ["| target | measured | status |", "|---|---|---|"]
        lines += [f"| {t} | {m} | {s} |" for t, m, s in targets.verdicts(table)]
    for workload in workloads:
        lines += ["", f"## {workload.title}", "", workload.about, ""]
        lines += [f"- {note}" for note in notes.get(workload.name, [])]
        lines += [""] + workload_table(workload, table)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
