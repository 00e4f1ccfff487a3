"""toil stats' arithmetic and text layout, on made-up job stats."""

from __future__ import annotations

import pytest

from toil.cli.stats import collect, format_report, summarize


def job(name: str, wall: float, cpu: float, memory: int, worker: str, cores: float = 1.0) -> dict[str, object]:
    return {"name": name, "wall": wall, "cpu": cpu, "memory": memory, "worker": worker, "cores": cores, "job": name}


JOBS = [
    job("align", 10.0, 9.0, 100 * 1024, "w1"),
    job("align", 20.0, 30.0, 300 * 1024, "w2", cores=2.0),
    job("merge", 1.0, 0.5, 50 * 1024, "w2"),  # chained after the second align: same worker
]
WORKFLOW = {"batch_system": "single_machine", "default_cores": 1.0, "default_memory": 2 * 1024**3,
            "max_cores": None, "runtime": 33.0, "leader_cpu": 1.5, "runs": 1}


def test_summarize() -> None:
    assert summarize([3.0, 1.0, 2.0, 10.0]) == {"min": 1.0, "med": 2.5, "ave": 4.0, "max": 10.0, "total": 16.0}
    assert summarize([]) == {"min": 0.0, "med": 0.0, "ave": 0.0, "max": 0.0, "total": 0.0}


def test_collect_groups_by_kind_and_by_worker() -> None:
    report = collect(JOBS, WORKFLOW)
    align = report["job_types"]["align"]
    assert align["count"] == 2 and align["total_cores"] == 3.0
    assert align["time"] == {"min": 10.0, "med": 15.0, "ave": 15.0, "max": 20.0, "total": 30.0}
    assert align["clock"]["total"] == 39.0
    # CPU wait: cores reserved times real time, minus CPU used.
    assert align["wait"]["min"] == pytest.approx(1.0) and align["wait"]["max"] == pytest.approx(10.0)
    assert align["memory"]["max"] == 300 * 1024
    assert report["jobs"]["count"] == 3
    assert report["worker"]["count"] == 2
    assert report["worker"]["time"]["max"] == 21.0  # w2 ran align and merge
    assert report["worker_jobs"] == {"min": 1.0, "med": 1.5, "ave": 1.5, "max": 2.0, "total": 3.0}
    assert report["workflow"]["local_cpu"] == pytest.approx(1.5 + 39.5)


def test_text_report_layout() -> None:
    text = format_report(collect(JOBS, WORKFLOW))
    lines = text.splitlines()
    assert lines[:4] == [
        "Batch System: single_machine",
        "Default Cores: 1  Default Memory: 2097152KiB",
        "Max Cores: unlimited",
        "Local CPU Time: 41.00 core·s  Overall Runtime: 33.00 s",
    ]
    assert lines[4] == "Worker"
    header, fields, row = lines[5:8]
    assert header.split("|")[1].strip() == "Real Time (s)*"
    assert fields.split("|")[1].split() == ["min", "med*", "ave", "max", "total"]
    assert row.split("|")[0].strip() == "2"
    assert row.split("|")[4].split() == ["100Ki", "200Ki", "200Ki", "300Ki", "400Ki"]
    kinds = [line for line in lines if line.startswith(" ") and not line.startswith("  ") and "|" not in line]
    assert kinds == [" align", " merge"]  # largest median real time first
    assert "    Total Cores: 3.0" in lines


@pytest.mark.parametrize(("category", "reverse", "order"), [
    ("time", False, ["align", "merge"]),
    ("time", True, ["merge", "align"]),
    ("alpha", False, ["align", "merge"]),
    ("alpha", True, ["merge", "align"]),
    ("memory", True, ["merge", "align"]),
])
def test_sort_order(category: str, reverse: bool, order: list[str]) -> None:
    lines = format_report(collect(JOBS, WORKFLOW), category, "med", reverse).splitlines()
    assert [line.strip() for line in lines if line.strip() in ("align", "merge")] == order
