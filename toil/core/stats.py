"""--stats: what each job and the workflow as a whole used, kept in the job store.

A worker writes one small JSON blob per job it ran, ``stats-<job id>`` in the "logs"
namespace; the leader adds ``stats-workflow`` when it stops. ``toil stats`` reads them.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from toil.core.description import JobDescription
from toil.core.jobstore import AbstractJobStore, NoSuchBlobError

STATS_PREFIX = "stats-"
WORKFLOW_KEY = STATS_PREFIX + "workflow"
STATS_VERSION = 1


def job_key(job_id: str) -> str:
    return STATS_PREFIX + job_id


def cpu_seconds(usage: resource.struct_rusage) -> float:
    return float(usage.ru_utime + usage.ru_stime)


class Meter:
    """Measure one job from construction to ``finish``: wall time, CPU (with children), peak memory."""

    def __init__(self) -> None:
        self.start_time = time.time()
        self.start = time.monotonic()
        self.cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))
        self.children_cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN))

    def measure(self) -> dict[str, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = cpu_seconds(own) - self.cpu + cpu_seconds(children) - self.children_cpu
        return {
            "wall": round(time.monotonic() - self.start, 6),
            "cpu": round(max(0.0, cpu), 6),
            "memory": float(max(own.ru_maxrss, children.ru_maxrss) * 1024),  # ru_maxrss is in KiB on Linux
        }

    def finish(self, record: JobDescription, worker_id: str) -> bytes:
        data: dict[str, Any] = {
            "v": STATS_VERSION,
            "job": record.job_id,
            "name": record.display_name or record.name,
            "class": record.name,
            "worker": worker_id,
            "cores": record.requirements.cores,
            "started": round(self.start_time, 3),
            **self.measure(),
        }
        return json.dumps(data, separators=(",", ":")).encode()


@dataclass
class WorkflowMeter:
    """The leader's own measure of a run, added to ``stats-workflow`` when it stops."""

    batch_system: str
    default_cores: float
    default_memory: int
    max_cores: float | None

    def __post_init__(self) -> None:
        self.start = time.monotonic()
        self.cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))

    def save(self, store: AbstractJobStore) -> None:
        previous = read_workflow_stats(store) or {}
        runtime = time.monotonic() - self.start
        cpu = cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - self.cpu
        data = {
            "v": STATS_VERSION,
            "batch_system": self.batch_system,
            "default_cores": self.default_cores,
            "default_memory": self.default_memory,
            "max_cores": self.max_cores,
            "runtime": round(float(previous.get("runtime", 0.0)) + runtime, 6),
            "leader_cpu": round(float(previous.get("leader_cpu", 0.0)) + cpu, 6),
            "runs": int(previous.get("runs", 0)) + 1,
        }
        store.put("logs", WORKFLOW_KEY, json.dumps(data).encode())


def read_workflow_stats(store: AbstractJobStore) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(store.get("logs", WORKFLOW_KEY))
    except (NoSuchBlobError, ValueError):
        return None
    return data


def read_job_stats(store: AbstractJobStore) -> Iterator[dict[str, Any]]:
    """Yield the stats of every job that recorded some (unreadable blobs are skipped)."""
    wanted = (key for key in store.keys("logs") if key.startswith(STATS_PREFIX) and key != WORKFLOW_KEY)
    for _, raw in store.get_many("logs", wanted):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if isinstance(data, dict) and {"name", "wall", "cpu", "memory"} <= data.keys():
            yield data
