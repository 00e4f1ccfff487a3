"""The targets of issue 8, checked against the measured medians."""

from __future__ import annotations

from collections.abc import Callable

from harness.summary import Cell, ratio

Cells = dict[tuple[str, int, str], Cell]
Verdict = tuple[str, str, str]  # target, measured, status


def _status(good: bool | None) -> str:
    return "not measured" if good is None else ("met" if good else "MISSED")


def _fmt(x: float | None, unit: str = "", digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}{unit}"


def fanout(cells: Cells) -> list[Verdict]:
    c10k, c1k = cells.get(("python-fanout", 10000, "ours")), cells.get(("python-fanout", 1000, "ours"))
    per10k = None if c10k is None or c10k.cpu is None else c10k.cpu / 10000 * 1000
    per1k = None if c1k is None or c1k.cpu is None else c1k.cpu / 1000 * 1000
    growth = ratio(per10k, per1k)
    return [
        ("Python fan-out of 10,000: at most 5 ms CPU per job", _fmt(per10k, " ms/job"),
         _status(None if per10k is None else per10k <= 5)),
        ("Linear growth 1,000 -> 10,000 (CPU per job at 10,000 within 1.25x of 1,000)", _fmt(growth, "x"),
         _status(None if growth is None else growth <= 1.25)),
    ]


def watched(cells: Cells) -> list[Verdict]:
    plain, seen = cells.get(("python-fanout", 10000, "ours")), cells.get(("python-fanout-watched", 10000, "ours"))
    cost = None if plain is None or seen is None else ratio(seen.cpu, plain.cpu)
    return [("Fan-out of 10,000 with --trace and --metrics: CPU at most 1.10x the plain fan-out's", _fmt(cost, "x"),
             _status(None if cost is None else cost <= 1.10))]


def memory(cells: Cells) -> list[Verdict]:
    cell = cells.get(("python-memory", 100000, "ours"))
    leader = None if cell is None else cell.median("leader_maxrss_kb")
    mb = None if leader is None else leader / 1024
    return [("Leader peak memory, fan-out of 100,000: under 1 GB", _fmt(mb, " MB", 0),
             _status(None if mb is None else mb < 1024))]


def _pair(cells: Cells, workload: str, n: int, peer: str, attr: str) -> float | None:
    ours, theirs = cells.get((workload, n, "ours")), cells.get((workload, n, peer))
    if ours is None or theirs is None:
        return None
    return ratio(getattr(ours, attr), getattr(theirs, attr))


def cwl(cells: Cells) -> list[Verdict]:
    verdicts = []
    for n in (500, 2000):
        cpu = _pair(cells, "cwl-scatter", n, "cwltool", "cpu")
        wall = _pair(cells, "cwl-scatter", n, "cwltool-parallel", "wall")
        verdicts += [
            (f"CWL scatter of {n}: CPU no more than cwltool's", _fmt(cpu, "x"),
             _status(None if cpu is None else cpu <= 1)),
            (f"CWL scatter of {n}: wall no more than cwltool --parallel's", _fmt(wall, "x"),
             _status(None if wall is None else wall <= 1)),
        ]
    return verdicts


def wdl(cells: Cells) -> list[Verdict]:
    verdicts = []
    for n in (500, 2000):
        cpu = _pair(cells, "wdl-scatter", n, "miniwdl", "cpu")
        verdicts.append((f"WDL scatter of {n} (no container): CPU at most half of miniwdl's", _fmt(cpu, "x"),
                         _status(None if cpu is None else cpu <= 0.5)))
    for n in (500, 2000):
        cpu = _pair(cells, "wdl-scatter-docker", n, "miniwdl", "cpu")
        verdicts.append((f"WDL scatter of {n} in Docker: machine CPU no more than miniwdl's on the same daemon",
                         _fmt(cpu, "x"), _status(None if cpu is None else cpu <= 1)))
    return verdicts


def conformance(cells: Cells) -> list[Verdict]:
    wall = _pair(cells, "cwl-conformance", 0, "cwltool", "wall")
    return [("Whole CWL conformance suite: wall no more than cwltool's", _fmt(wall, "x"),
             _status(None if wall is None else wall <= 1))]


def restart(cells: Cells) -> list[Verdict]:
    again = cells.get(("python-restart", 1000, "ours-restart"))
    fresh = cells.get(("python-restart", 1000, "ours-fresh-rest"))
    cpu = None if again is None or fresh is None else ratio(again.cpu, fresh.cpu)
    return [("Restart of 1,000 killed half-way: CPU no more than a fresh run of the rest", _fmt(cpu, "x"),
             _status(None if cpu is None else cpu <= 1))]


def _per_job(cells: Cells, workload: str, n: int) -> float | None:
    cell = cells.get((workload, n, "ours"))
    return None if cell is None or cell.cpu is None else cell.cpu / n * 1000


def scale(cells: Cells) -> list[Verdict]:
    """Issue 21: flat CPU per job from 10,000 to 1,000,000 jobs, leader under 2 GB at 1,000,000."""
    verdicts = []
    for workload in ("scale-fanout", "scale-chain", "scale-tree", "scale-wdl-scatter"):
        base = _per_job(cells, workload, 10000)
        for n, limit in ((100000, 1.15), (1000000, 1.3)):
            growth = ratio(_per_job(cells, workload, n), base)
            verdicts.append((f"{workload}: CPU per job at {n:,} within {limit}x of 10,000", _fmt(growth, "x"),
                             _status(None if growth is None else growth <= limit)))
    cell = cells.get(("scale-fanout", 1000000, "ours"))
    leader = None if cell is None else cell.median("leader_maxrss_kb")
    mb = None if leader is None else leader / 1024
    verdicts.append(("scale-fanout: leader peak memory at 1,000,000 under 2 GB", _fmt(mb, " MB", 0),
                     _status(None if mb is None else mb < 2048)))
    return verdicts


CHECKS: list[Callable[[Cells], list[Verdict]]] = [fanout, watched, memory, cwl, wdl, conformance, restart, scale]


def verdicts(cells: Cells) -> list[Verdict]:
    return [v for check in CHECKS for v in check(cells)]
