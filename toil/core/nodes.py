"""A job as the scheduling state sees it: its status and its progress through its successors.

Kept apart from toil.core.state so that the invariants (toil.core.invariants) can read nodes
without importing the state machine that checks them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from toil.core.description import JobDescription

#: how many status changes a node remembers for story(); older ones but the first are dropped
HISTORY_LIMIT = 32


class Status(enum.Enum):
    WAITING = "waiting"  # some predecessor has not released it
    ISSUED = "issued"  # handed to the batch system (or to the leader to run locally)
    RETRY = "retry"  # failed, waiting out its back-off before it is issued again
    RAN = "ran"  # committed; its successor phases are under way
    DONE = "done"  # ran and every successor phase is done
    FAILED = "failed"  # failed with no tries left


STATUSES = tuple(Status)  # a status's code (in a node's history) is its index here


@dataclass(slots=True)
class Node:
    record: JobDescription
    status: Status = Status.WAITING
    released: int = 0
    phase: int = -1  # index of the current successor phase once the job has run
    pending: int = 0  # jobs of the current phase not yet done
    parents: list[str] = field(default_factory=list)
    tries_left: int = 0
    attempts: int = 0
    chain_failure: tuple[str, bool] | None = None  # failed when chained (reason, permanent); charged when ready
    # services: on a service's node, its host; on a host, its progress through its services
    host: str | None = None
    started: bool = False
    service_tier: int = -1
    starting: int = 0  # services of the current tier not yet started
    live_services: int = 0  # services issued and not yet finished
    stopping: bool = False
    service_failed: bool = False
    #: status changes, oldest first, each ``seq << 3 | status code`` (seq: the event that made it;
    #: the code: the status's index in STATUSES). A tuple of ints: no object per change, and
    #: nothing the garbage collector has to scan. Only enter() trims it: the common path (issued,
    #: ran, done) adds a bounded number of changes per try.
    history: tuple[int, ...] = ()

    @property
    def is_host(self) -> bool:
        return bool(self.record.services) and self.record.kind != "service"

    def enter(self, status: Status, seq: int) -> None:
        """Change status, remembering which event did it (the first and the last few changes)."""
        self.status = status
        history = self.history + (seq << 3 | STATUSES.index(status),)
        if len(history) > HISTORY_LIMIT:
            history = history[:1] + history[-(HISTORY_LIMIT // 2):]
        self.history = history

    def changes(self) -> list[tuple[int, Status]]:
        """The remembered status changes: (sequence number of the event, status it led to)."""
        return decode_history(self.history)


def decode_history(history: tuple[int, ...]) -> list[tuple[int, Status]]:
    """A node's history as (sequence number of the event, status it led to)."""
    return [(code >> 3, STATUSES[code & 7]) for code in history]


# The codes of the statuses of the common path, which toil.core.state records without a call.
WAITING, ISSUED, RAN, DONE = (STATUSES.index(s) for s in (Status.WAITING, Status.ISSUED, Status.RAN, Status.DONE))
