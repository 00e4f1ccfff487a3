"""--trace: a row per job attempt, with the worker's own figures, on the leader's test doubles."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tests.unit.core.leader_harness import run_workflow
from tests.unit.core.test_leader import SMALL, fan, flaky, index, step
from toil.core.job import Job
from toil.core.trace import COLUMNS, TraceWriter


def rows(path: Path) -> list[dict[str, Any]]:
    with open(path, newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def traced(tmp_path: Path, root: Job, **options: Any) -> tuple[Any, list[dict[str, Any]]]:
    trace = TraceWriter(str(tmp_path / "trace.tsv"))
    try:
        run = run_workflow(tmp_path, root, trace=trace, **options)
    finally:
        trace.close()
    return run, rows(tmp_path / "trace.tsv")


def test_every_job_of_a_fan_out_has_a_row_with_plausible_figures(tmp_path: Path) -> None:
    run, table = traced(tmp_path, Job.wrapJobFn(fan, 30, **SMALL))
    assert run.result.success
    assert len(table) == 32 and {row["status"] for row in table} == {"COMPLETED"}
    assert sorted(row["name"] for row in table).count("index") == 30
    for row in table:
        assert row["exit"] == "0" and row["attempt"] == "1" and row["host"]
        assert float(row["realtime"]) >= 0 and float(row["duration"]) >= float(row["realtime"]) - 0.01
        assert int(row["peak_rss"]) > 1_000_000 and int(row["rchar"]) >= 0 and row["native_id"] != "-"
        assert row["submit"] <= row["start"] <= row["complete"]


def test_a_retried_job_has_a_failed_row_then_a_completed_one(tmp_path: Path) -> None:
    root = Job(**SMALL)
    child = root.addChildJobFn(flaky, "trace-once", **SMALL)
    root.addChildFn(index, 1, **SMALL)
    run, table = traced(tmp_path, root, retry_count=1)
    assert run.result.success
    mine = [(row["status"], row["attempt"], row["exit"]) for row in table if row["task_id"] == child.jobStoreID]
    assert mine == [("FAILED", "1", "1"), ("COMPLETED", "2", "0")]


def test_chained_jobs_share_their_batch_job(tmp_path: Path) -> None:
    run, table = traced(tmp_path, Job.wrapJobFn(step, 3, "", **SMALL))
    assert run.result.success and len(table) == 4
    assert len({row["native_id"] for row in table}) == 1, "one worker ran the whole chain"
    assert [row["name"] for row in table] == ["step"] * 4


def test_a_trace_file_grows_across_runs_with_one_header(tmp_path: Path) -> None:
    traced(tmp_path, Job.wrapJobFn(fan, 2, **SMALL))
    _, table = traced(tmp_path, Job.wrapJobFn(fan, 2, **SMALL))
    assert len(table) == 8
