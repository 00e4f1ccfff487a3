"""Raw results: one JSON line per run in benchmarks/.results/, so a later `make bench` resumes."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from harness.common import Outcome, timestamp


def results_path(repo: str, quick: bool) -> str:
    return os.path.join(repo, "benchmarks", ".results", "quick.jsonl" if quick else "full.jsonl")


def load(path: str) -> list[dict[str, Any]]:
    if not os.path.exists(path):
        return []
    records = []
    with open(path) as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
    return records


def append(path: str, record: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")


def revision(repo: str) -> str:
    """The checkout's commit, with `+dirty` when the work tree (outside benchmarks/) has changes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = git("status", "--porcelain", "--", ".", ":(exclude)benchmarks").strip()
    return head + ("+dirty" if dirty else "")


def make_record(workload: str, n: int, system: str, rep: int, outcome: Outcome, rev: str) -> dict[str, Any]:
    m = outcome.measurement
    return {
        "workload": workload, "n": n, "system": system, "rep": rep, "revision": rev, "finished": timestamp(),
        "wall": round(m.wall, 3), "user": round(m.user, 3), "sys": round(m.sys, 3), "maxrss_kb": m.maxrss_kb,
        "machine_cpu": None if m.machine_cpu is None else round(m.machine_cpu, 3),
        "returncode": m.returncode, "timed_out": m.timed_out, "answer_ok": outcome.answer_ok,
        "ok": outcome.ok, "expected_failure": outcome.expected_failure, "answer": outcome.answer,
        "note": outcome.note, "extra": outcome.extra,
        "load": round(os.getloadavg()[0], 2),
    }


def done(records: list[dict[str, Any]], workload: str, n: int, system: str, rep: int, retry_failed: bool) -> bool:
    key = (workload, n, system, rep)
    return any((r["workload"], r["n"], r["system"], r["rep"]) == key and (r["ok"] or not retry_failed)
               for r in records)
