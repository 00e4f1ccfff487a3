"""The scheduling state's event log and story(), and when it validates itself."""

from __future__ import annotations

from dataclasses import replace

import pytest

from toil.core.description import JobDescription
from toil.core.nodes import HISTORY_LIMIT
from toil.core.requirements import Requirements
from toil.core.state import (
    IssueJob,
    JobCommitted,
    JobFailed,
    SchedulingState,
    Start,
    StateError,
    Status,
    Tick,
    Validation,
)


def rec(job_id: str, children: list[str] | None = None, preds: int = 0) -> JobDescription:
    return JobDescription(job_id, job_id, Requirements(), phases=[children or [], []], predecessors=preds)


def ran(record: JobDescription) -> JobDescription:
    return replace(record, ran=True)


def fan_out(state: SchedulingState, n: int) -> list[JobDescription]:
    """Start root with n children and commit the root; return the children's records."""
    children = [rec(f"c{i}", preds=1) for i in range(n)]
    root = rec("root", [c.job_id for c in children])
    state.handle(Start("root", [root, *children]))
    state.handle(JobCommitted(ran(root)))
    return children


def test_every_event_is_numbered_and_logged_with_its_instructions() -> None:
    state = SchedulingState()
    fan_out(state, 3)
    entries = state.log.entries()
    assert [(e.seq, e.kind, e.job_id) for e in entries] == [(1, "Start", "root"), (2, "JobCommitted", "root")]
    assert entries[0].instructions == (("IssueJob", "root"),)
    assert entries[1].instructions == (("IssueJob", "c0"), ("IssueJob", "c1"), ("IssueJob", "c2"))
    assert state.seq == 2


def test_the_log_is_bounded_but_a_job_keeps_its_status_changes() -> None:
    state = SchedulingState(log_limit=5)
    children = fan_out(state, 10)
    for child in children:
        state.handle(JobCommitted(ran(child)))
    assert len(state.log.entries()) == 5
    assert state.log.entries()[0].seq == 8
    story = state.story("c0")  # its events have left the log: only its status changes remain
    assert [(line.seq, line.kind, line.statuses) for line in story] == [
        (1, "", (Status.WAITING,)),
        (2, "", (Status.ISSUED,)),
        (3, "", (Status.RAN, Status.DONE)),
    ]
    assert "(event no longer logged)" in state.story_text("c0")


def test_a_job_remembers_its_first_and_its_last_status_changes() -> None:
    state = SchedulingState(retry_count=HISTORY_LIMIT, backoff=(1.0, 1.0))  # a back-off that stays short
    state.handle(Start("j", [rec("j")]))
    for attempt in range(HISTORY_LIMIT):
        state.handle(JobFailed("j", now=float(attempt), reason=f"attempt {attempt}"))
        state.handle(Tick(now=1000.0 * (attempt + 1)))
    history = state.nodes["j"].changes()
    assert len(history) <= HISTORY_LIMIT + 1
    assert history[0] == (1, Status.WAITING)
    assert history[-1] == (state.seq, Status.ISSUED)


def test_story_tells_a_retry() -> None:
    state = SchedulingState(retry_count=1)
    fan_out(state, 2)
    state.handle(JobFailed("c1", now=5.0, reason="exit status 1"))
    state.handle(Tick(now=10.0))
    state.handle(JobCommitted(ran(rec("c1", preds=1)), now=11.0))
    story = state.story("c1")
    assert [(line.kind, line.detail, line.statuses, line.instructions) for line in story] == [
        ("Start", "3 jobs", (Status.WAITING,), ()),
        ("JobCommitted", "", (Status.ISSUED,), (("IssueJob", "c1"),)),
        ("JobFailed", "exit status 1", (Status.RETRY,), ()),
        ("Tick", "", (Status.ISSUED,), (("IssueJob", "c1"),)),
        ("JobCommitted", "", (Status.RAN, Status.DONE), ()),
    ]
    assert "c0" not in state.story_text("c1")


def test_a_refused_event_is_logged_too() -> None:
    state = SchedulingState()
    fan_out(state, 1)
    with pytest.raises(StateError):
        state.handle(JobFailed("root", now=0.0, reason="the root is not running"))
    last = state.log.last()
    assert last is not None and (last.seq, last.kind, last.job_id) == (3, "JobFailed", "root")


def test_validation_after_every_event_names_the_event() -> None:
    state = SchedulingState(validation=Validation.EVERY_EVENT)
    assert state.handle(Start("root", [rec("root")])) == [IssueJob("root")]
    state.active = 5  # corrupt the state behind its back
    with pytest.raises(AssertionError, match=r"active count is 5 \(after event #2 Tick\(\)\)"):
        state.handle(Tick(now=0.0))


def test_sampled_validation_runs_now_and_then() -> None:
    state = SchedulingState(validation=Validation.SAMPLED)
    fan_out(state, 1000)  # 1001 jobs: validated at most every 1001 // 200 = 5 events
    state.active = -1
    caught = 0
    for i in range(10):
        try:
            state.handle(Tick(now=float(i)))
        except AssertionError:
            caught += 1
    assert caught == 2
