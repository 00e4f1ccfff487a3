"""Deferred functions, node cleanup and the file cache, through real workflows.

Each test runs a script from ``scripts/`` the way a user does, with its own --workDir, and
checks what the jobs recorded and what is left on disk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_python_api import result_of, run_script

pytestmark = pytest.mark.integration


def run_deferred(tmp_path: Path, mode: str, *options: object) -> tuple[str, list[str], Path]:
    state, work = tmp_path / "state", tmp_path / "work"
    state.mkdir()
    work.mkdir()
    proc = run_script("deferred_jobs.py", tmp_path / "store", "--mode", mode, "--state", state, "--workDir", work,
                      *options, cwd=tmp_path)
    record = (state / "record").read_text().splitlines()
    return result_of(proc), record, work


def test_deferred_functions_run_in_order_after_a_normal_exit(tmp_path: Path) -> None:
    result, record, work = run_deferred(tmp_path, "normal")
    assert result == "done []"
    # After the job body, in registration order; the failing second one is only logged.
    assert record == ["body", "deferred 1", "deferred 3"]
    assert list(work.iterdir()) == []


def test_deferred_functions_run_after_an_exception(tmp_path: Path) -> None:
    result, record, _ = run_deferred(tmp_path, "raise", "--retryCount", "1")
    assert result == "True []"
    assert record[0] == "attempt 1"
    assert record[1].startswith("deferred of attempt 1 (raise)")
    assert record[2] == "retry"


def test_a_killed_workers_deferred_functions_run_in_the_next_worker(tmp_path: Path) -> None:
    result, record, work = run_deferred(tmp_path, "sigkill", "--retryCount", "1")
    # The retry saw the orphan's marker when it started: the next worker ran it first.
    assert result == "True []"
    assert record[0] == "attempt 1"
    assert record[1].startswith("deferred of attempt 1 (sigkill)")
    assert record[2] == "retry"
    killed_pid = record[1].rsplit(" ", 1)[1]
    assert killed_pid.isdigit()
    assert list(work.iterdir()) == []


def test_node_cleanup_runs_orphans_and_removes_the_workflow_directories(tmp_path: Path) -> None:
    result, record, work = run_deferred(tmp_path, "sigkill-last", "--retryCount", "0")
    assert result == "failed []"  # nothing left under --workDir, although the worker died
    assert record[0] == "attempt 1"
    assert record[1].startswith("deferred of attempt 1 (sigkill-last)")
    assert (tmp_path / "state" / "orphan-ran").exists()
    assert list(work.iterdir()) == []


def test_the_cache_shares_one_inode_and_survives_a_killed_reader(tmp_path: Path) -> None:
    state, work = tmp_path / "state", tmp_path / "work"
    state.mkdir()
    work.mkdir()
    proc = run_script("cache_jobs.py", tmp_path / "store", "--state", state, "--workDir", work, "--caching", "true",
                      "--retryCount", "1", cwd=tmp_path, timeout=180)
    result = json.loads(result_of(proc))
    one, two = result["one"], result["two"]
    assert one["path"] != two["path"]
    assert one["ino"] == two["ino"]  # two jobs, one inode: the cache entry's
    assert one["in_cache"] and two["in_cache"]
    assert one["ino"] != one["store_ino"]  # not merely a link to the job store's copy
    assert one["content_ok"] and two["content_ok"]
    assert not one["writable"]
    # The killer's worker died while filling the entry; its retry read every byte right.
    assert result["killer"]["killed"] is True
    assert result["killer"]["retry_content_ok"] is True
    [warning] = [line for line in proc.stderr.splitlines() if "used more disk than it requested" in line]
    assert "[W]" in warning and "Job greedy" in warning and "200000 bytes" in warning and "1000 bytes" in warning
    assert list(work.iterdir()) == []  # node cleanup removed the cache too


def test_without_caching_reads_do_not_use_a_cache(tmp_path: Path) -> None:
    state, work = tmp_path / "state", tmp_path / "work"
    state.mkdir()
    work.mkdir()
    proc = run_script("cache_jobs.py", tmp_path / "store", "--state", state, "--workDir", work,
                      "--retryCount", "1", cwd=tmp_path, timeout=180)
    result = json.loads(result_of(proc))
    assert result["one"]["ino"] == result["one"]["store_ino"]  # linked from the job store
    assert not result["one"]["in_cache"]
