"""A record, in the job store, of the scheduler jobs a workflow has running.

The grid batch systems rewrite ``shared/grid-jobs-<scheduler>`` (JSON list of scheduler job
ids) at most once per poll, when the set changed, and delete it at shutdown. A leader that dies
without shutting down leaves it behind: the next ``--restart`` cancels those jobs before it
issues anything (so no stale worker races the new ones), and ``toil kill`` can do the same for
a leader that is gone (``cancel_recorded_jobs``).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable

from toil.core.jobstore import AbstractJobStore, JobStoreError, NoSuchBlobError

logger = logging.getLogger(__name__)


def record_key(scheduler: str) -> str:
    return f"grid-jobs-{scheduler}"


class JobRecord:
    """Keeps the job store's list of this workflow's scheduler jobs up to date (best effort)."""

    def __init__(self, store: AbstractJobStore | None, scheduler: str) -> None:
        self.store = store
        self.key = record_key(scheduler)
        self.written: frozenset[str] = frozenset()

    def update(self, ids: set[str]) -> None:
        if self.store is None or ids == self.written:
            return
        try:
            if ids:
                self.store.put("shared", self.key, json.dumps(sorted(ids)).encode())
            else:
                self.store.delete("shared", self.key)
            self.written = frozenset(ids)
        except (OSError, JobStoreError) as e:
            logger.debug("Could not record the running scheduler jobs: %s", e)

    def recorded(self) -> list[str]:
        if self.store is None:
            return []
        try:
            return [str(i) for i in json.loads(self.store.get("shared", self.key))]
        except (NoSuchBlobError, OSError, JobStoreError, ValueError):
            return []


def cancel_recorded_jobs(record: JobRecord, cancel: Callable[[list[str]], object]) -> list[str]:
    """Cancel the jobs a previous leader left running; return their ids."""
    ids = record.recorded()
    if ids:
        logger.warning("Cancelling %d scheduler jobs a previous leader left behind: %s", len(ids), " ".join(ids))
        with contextlib.suppress(Exception):
            cancel(ids)
        record.update(set())
    return ids
