"""Medians of the recorded runs, per workload, size and system, and the ratios between systems."""

from __future__ import annotations

import statistics
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Cell:
    """The runs of one system on one workload size."""

    workload: str
    n: int
    system: str
    runs: list[dict[str, Any]] = field(default_factory=list)
    cpu_key: str = "cpu"  # "machine_cpu" where the workload runs containers (see measure.py)

    @property
    def good(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if r["ok"]]

    def median(self, key: str) -> float | None:
        values = [value(r, key) for r in self.good]
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    @property
    def cpu(self) -> float | None:
        return self.median(self.cpu_key)

    @property
    def wall(self) -> float | None:
        return self.median("wall")

    @property
    def rss_mb(self) -> float | None:
        kb = self.median("maxrss_kb")
        return None if kb is None else kb / 1024

    def notes(self) -> list[str]:
        return sorted({r["note"] for r in self.runs if r.get("note")})


def value(record: dict[str, Any], key: str) -> float | None:
    if key == "cpu":
        return float(record["user"]) + float(record["sys"])
    if key in record:
        return None if record[key] is None else float(record[key])
    extra = record.get("extra", {}).get(key)
    return None if extra is None else float(extra)


def latest(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last record of each (workload, n, system, rep): a retried run replaces the failed one."""
    table: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in records:
        table[(record["workload"], record["n"], record["system"], record["rep"])] = record
    return list(table.values())


def cells(records: list[dict[str, Any]], machine_cpu: Collection[str] = ()) -> dict[tuple[str, int, str], Cell]:
    """The cells of the latest records; the workloads named in machine_cpu compare the machine's CPU."""
    table: dict[tuple[str, int, str], Cell] = {}
    for record in sorted(latest(records), key=lambda r: r["rep"]):
        key = (record["workload"], record["n"], record["system"])
        cpu_key = "machine_cpu" if record["workload"] in machine_cpu else "cpu"
        table.setdefault(key, Cell(*key, cpu_key=cpu_key)).runs.append(record)
    return table


def ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs <= 0:
        return None
    return ours / theirs
