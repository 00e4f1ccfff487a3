"""Per-attempt records in the job store: what the leader keeps for reports, on the leader's test doubles."""

from __future__ import annotations

from pathlib import Path

from tests.unit.core.leader_harness import FakeClock, run_workflow, start_store
from tests.unit.core.test_leader import SMALL, fan, flaky, index
from toil.core.job import Job
from toil.core.outcome import Attempt
from toil.core.records import FLUSH_EVERY, PREFIX, RecordWriter, read_records
from toil.stores.memory import MemoryJobStore


def chunks(store: MemoryJobStore) -> list[str]:
    return sorted(key for key in store.keys("shared") if key.startswith(PREFIX))


def test_a_fan_out_has_a_record_per_job_written_in_a_few_chunks(tmp_path: Path) -> None:
    root = Job.wrapJobFn(fan, 30, **SMALL)
    store, settings = start_store(tmp_path, root)
    records = RecordWriter(store)
    records.run_started(["fan.py", "memory:x"], store.locator, settings.workflow_id, restart=False)
    run = run_workflow(tmp_path, root, records=records, store_and_settings=(store, settings))
    records.run_ended(run.result.success, [])
    assert len(chunks(store)) <= 3, "a chunk per flush, never a write per job"
    found = read_records(store)
    assert found.status == "succeeded" and found.runs[0]["command"] == ["fan.py", "memory:x"]
    assert len(found.attempts) == 32 and {a["status"] for a in found.attempts} == {"COMPLETED"}
    children = [a for a in found.attempts if a["name"] == "index"]
    assert len(children) == 30 and all(a["parents"] == [root.jobStoreID] for a in children)
    for attempt in found.attempts:
        assert attempt["submit"] <= attempt["start"] <= attempt["end"] and attempt["host"]
        assert attempt["peak_rss"] > 1_000_000 and attempt["cpu"] >= 0 and attempt["read"] >= 0
        assert attempt["cores"] == 0.1 and attempt["memory"] == 10 * 1000 * 1000
        assert attempt["attempt"] == 1 and attempt["exit"] == 0


def test_a_retried_job_keeps_its_error_and_log_tail(tmp_path: Path) -> None:
    root = Job(**SMALL)
    child = root.addChildJobFn(flaky, "records-once", **SMALL)
    root.addChildFn(index, 1, **SMALL)
    store, settings = start_store(tmp_path, root)
    records = RecordWriter(store)
    run = run_workflow(tmp_path, root, retry_count=1, records=records, store_and_settings=(store, settings))
    records.flush()
    assert run.result.success
    mine = [a for a in read_records(store).attempts if a["job"] == child.jobStoreID]
    assert [(a["attempt"], a["status"]) for a in mine] == [(1, "FAILED"), (2, "COMPLETED")]
    assert mine[0]["reason"] == "RuntimeError: first attempt of records-once fails"
    # the inline batch system keeps no worker log: the log tail itself is checked in tests/integration/test_report.py
    assert "stderr" in mine[0] and "reason" not in mine[1]


def attempt(job_id: str, ok: bool = True) -> Attempt:
    return Attempt(job_id, 10.0, 11.0, 0.5, 2048, 1, 2, "host", ok)


def test_records_are_flushed_now_and_then_and_a_killed_leader_loses_only_the_tail() -> None:
    store = MemoryJobStore("memory:records-flush", "records-flush")
    store.create()
    clock = FakeClock()
    writer = RecordWriter(store, clock=clock)
    writer.run_started(["wf"], store.locator, "w", restart=False)
    writer.measured(None, "a", 1, attempt("a"), 0)
    writer.tick()
    assert len(chunks(store)) == 1, "not flushed before FLUSH_EVERY seconds"
    clock.advance(FLUSH_EVERY)
    writer.tick()
    writer.measured(None, "b", 1, attempt("b", ok=False), 1)  # never flushed: the leader dies here
    found = read_records(store)
    assert [a["job"] for a in found.attempts] == ["a"] and found.status == "running"
    restarted = RecordWriter(store, clock=clock)  # a --restart appends after the first run's chunks
    restarted.run_started(["wf", "--restart"], store.locator, "w", restart=True)
    restarted.measured(None, "b", 1, attempt("b"), 0)
    restarted.run_ended(True, [])
    found = read_records(store)
    assert [a["job"] for a in found.attempts] == ["a", "b"] and [r["restart"] for r in found.runs] == [False, True]
    assert found.status == "succeeded" and found.attempts[1]["peak_rss"] == 2048 * 1024


def test_a_damaged_chunk_line_is_skipped() -> None:
    store = MemoryJobStore("memory:records-damaged", "records-damaged")
    store.create()
    store.put("shared", PREFIX + "0-000000", b'{"kind":"attempt","job":"a"}\nnot json\n{"kind":"run","start":1}\n')
    found = read_records(store)
    assert [a["job"] for a in found.attempts] == ["a"] and found.status == "running"
