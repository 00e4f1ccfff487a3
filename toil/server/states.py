"""The WES run states and the transitions allowed between them (pure, no I/O)."""

from __future__ import annotations

from enum import Enum


class State(str, Enum):
    UNKNOWN = "UNKNOWN"
    QUEUED = "QUEUED"
    INITIALIZING = "INITIALIZING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    COMPLETE = "COMPLETE"
    EXECUTOR_ERROR = "EXECUTOR_ERROR"
    SYSTEM_ERROR = "SYSTEM_ERROR"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"
    PREEMPTED = "PREEMPTED"


TERMINAL = frozenset({State.COMPLETE, State.EXECUTOR_ERROR, State.SYSTEM_ERROR, State.CANCELED})
ACTIVE = frozenset({State.INITIALIZING, State.RUNNING, State.CANCELING})

# From each state, the states a run may move to. A terminal state has no way out.
_ALLOWED: dict[State, frozenset[State]] = {
    State.UNKNOWN: frozenset({State.QUEUED}),
    State.QUEUED: frozenset({State.INITIALIZING, State.CANCELED, State.SYSTEM_ERROR}),
    State.INITIALIZING: frozenset({State.RUNNING, State.CANCELING, State.EXECUTOR_ERROR, State.SYSTEM_ERROR}),
    State.RUNNING: frozenset({State.COMPLETE, State.EXECUTOR_ERROR, State.SYSTEM_ERROR, State.CANCELING}),
    State.CANCELING: frozenset({State.CANCELED, State.SYSTEM_ERROR}),
}


def can_move(current: State, target: State) -> bool:
    """Whether a run in ``current`` may move to ``target``."""
    return target in _ALLOWED.get(current, frozenset())


def is_terminal(state: State) -> bool:
    return state in TERMINAL
