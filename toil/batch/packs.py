"""Many jobs in one scheduler submission ("packs"), so thousands of short jobs cost tens of submissions.

Jobs issued close together (no new job for ``PACK_WINDOW`` seconds, or enough of them waiting)
with the same requirements are split into packs: as many packs as ``--slurmBatchJobs`` (jobs per
submission) needs, but at least ``MIN_PACKS`` while there are that many jobs, so that small
fan-outs still spread over the nodes. A pack is one submission whose allocation holds
``slots`` of its jobs at once (what fits the largest node and the ``--max*`` caps); its script
runs ``toil.batch.pack_runner``, which runs the jobs, ``slots`` at a time, and records each
one's exit status in the job store (``shared/<key>``; a file in the batch logs directory when
there is no store), so that each job is still reported on its own:

- a job with a recorded outcome: its exit status (a SIGKILL in a pack Slurm found out of memory
  is MEMLIMIT);
- a job without one when the pack ended: the pack's fate (KILLED, LOST, MEMLIMIT ...), or LOST
  when the pack itself ended well.

A pack of one job is an ordinary submission. Jobs with accelerators are never packed.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from toil.batch.grid_commands import job_environment_lines
from toil.core.batchsystem import BatchJobExitReason
from toil.core.jobstore import AbstractJobStore, JobStoreError
from toil.core.requirements import Requirements

logger = logging.getLogger(__name__)

PACK_WINDOW = 0.3  # seconds without a new job before waiting jobs are packed and submitted
PACK_MAX_AGE = 10.0  # seconds a job may wait for its pack at most
MIN_PACKS = 8  # split waiting jobs into at least this many packs (when there are as many jobs)
DEFAULT_JOBS_PER_PACK = 64
KILLED_BY_MEMORY = (-9, 137)


@dataclass
class Pack:
    """One submission and the batch jobs it carries."""

    allocation: Requirements
    members: set[int]
    key: str | None = None  # where its runner records outcomes; None for a single job
    slots: int = 1  # how many of its jobs run at once
    scheduler_id: str = ""
    outcomes: dict[int, tuple[int, float]] = field(default_factory=dict)


def split_sizes(count: int, per_pack: int) -> list[int]:
    """Sizes of the packs ``count`` same-shaped jobs are split into (near-equal, largest first)."""
    packs = max(math.ceil(count / per_pack), min(count, MIN_PACKS))
    base, extra = divmod(count, packs)
    return [base + 1] * extra + [base] * (packs - extra)


def slots_for(req: Requirements, size: int, caps: Sequence[tuple[float | None, float]]) -> int:
    """How many of a pack's jobs its allocation holds: ``caps`` are (limit, per-job need) pairs."""
    slots = size
    for limit, need in caps:
        if limit is not None and need > 0:
            slots = min(slots, int(limit // need + 1e-9))
    return max(1, slots)


def allocation(req: Requirements, slots: int) -> Requirements:
    return Requirements(req.cores * slots, req.memory * slots, req.disk * slots, (), req.preemptible)


def pack_script(python: str, environment: dict[str, str], document: Mapping[str, object]) -> str:
    """The sh script of a pack: common exports, then the runner reading its jobs from a here-document."""
    text = json.dumps(document)
    return "\n".join(
        [
            "#!/bin/sh",
            *job_environment_lines(environment),
            f"exec {shlex.quote(python)} -m toil.batch.pack_runner <<'TOIL_PACK_END'",
            text,
            "TOIL_PACK_END",
            "",
        ]
    )


def parse_outcomes(data: bytes) -> dict[int, tuple[int, float]]:
    try:
        raw = json.loads(data)
        return {int(k): (int(v[0]), float(v[1])) for k, v in raw.items()}
    except (ValueError, TypeError, IndexError, AttributeError):
        return {}


def read_outcomes(store: AbstractJobStore | None, key: str) -> dict[int, tuple[int, float]]:
    """The outcomes a pack's runner recorded so far (in the store's shared area, or a file without a store)."""
    try:
        if store is not None:
            return parse_outcomes(store.get("shared", key))
        with open(key, "rb") as handle:
            return parse_outcomes(handle.read())
    except (OSError, JobStoreError) as e:
        logger.debug("No outcomes recorded at %s: %s", key, e)
        return {}


def forget_outcomes(store: AbstractJobStore | None, key: str) -> None:
    try:
        if store is not None:
            store.delete("shared", key)
        else:
            os.remove(key)
    except (OSError, JobStoreError) as e:
        logger.debug("Could not delete the outcomes at %s: %s", key, e)


def member_outcome(
    outcome: tuple[int, float] | None, pack_reason: BatchJobExitReason | None, pack_exit: int
) -> tuple[int, BatchJobExitReason, float | None]:
    """A packed job's exit status, reason and wall time, from its recorded outcome and its pack's fate."""
    if outcome is not None:
        code, wall = outcome
        if code == 0:
            return 0, BatchJobExitReason.FINISHED, wall
        if pack_reason is BatchJobExitReason.MEMLIMIT and code in KILLED_BY_MEMORY:
            return code, BatchJobExitReason.MEMLIMIT, wall
        return code, BatchJobExitReason.FAILED, wall
    if pack_reason in (None, BatchJobExitReason.FINISHED, BatchJobExitReason.FAILED):
        return 255, BatchJobExitReason.LOST, None  # the runner ended without running it
    return pack_exit or 1, pack_reason, None
