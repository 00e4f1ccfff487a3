"""The scheduling state's memory: every event it handled, and why each job did what it did.

``SchedulingState.handle`` numbers each event (its sequence number) and logs it here, in a
bounded deque, with the instructions it answered. Each node keeps the (sequence number,
status) of its status changes. ``story(job_id)`` joins the two: the events that concern a
job, in order, with the status each gave it and the instructions about it, which tells why a
job was issued, failed, waited, was issued again or given up. Entries hold ids, the event's
kind and a short detail, never whole job records, so the log stays small and cheap.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

from toil.core.events import (
    Event,
    Instruction,
    IssueJob,
    JobCommitted,
    JobFailed,
    KillJobs,
    ResetJob,
    ServiceStarted,
    Start,
    StopServices,
    Tick,
    WakeAt,
    WorkflowFinished,
)
from toil.core.nodes import Status

#: events the log keeps (the oldest go first)
DEFAULT_LOG_LIMIT = 20_000


#: An instruction as the log keeps it: (its class name, the job it is about or a detail).
#: Strings only, so that the log holds no job record and nothing the garbage collector scans.
Brief = tuple[str, str]


class LogEntry(NamedTuple):
    seq: int
    kind: str  # the event's class name
    job_id: str  # the job the event is about ("" for a tick)
    detail: str  # why, for a failure; how many jobs, for a start
    now: float  # the event's time, where it has one
    instructions: tuple[Brief, ...]  # what the state answered


class StoryLine(NamedTuple):
    """One event in a job's story."""

    seq: int
    kind: str  # "" when the event has left the log (only the job's status change is known)
    about: str  # the job the event is about (this job, a parent, "" for a tick)
    detail: str
    statuses: tuple[Status, ...]  # what this event made of the job, in order
    instructions: tuple[Brief, ...]  # those about this job


def summarize(event: Event) -> tuple[str, str, str, float]:
    """(kind, job id, detail, time) of an event: what the log keeps of it."""
    if isinstance(event, JobCommitted):
        detail = ""
        if event.failed_successor is not None:
            detail = f"chained job {event.failed_successor} failed: {event.reason}"
        return "JobCommitted", event.record.job_id, detail, event.now
    if isinstance(event, JobFailed):
        return "JobFailed", event.job_id, event.reason + (" (permanent)" if event.permanent else ""), event.now
    if isinstance(event, Tick):
        return "Tick", "", "", event.now
    if isinstance(event, Start):
        return "Start", event.root_id, f"{len(event.records)} jobs", 0.0
    if isinstance(event, ServiceStarted):
        return "ServiceStarted", event.job_id, "", 0.0
    return type(event).__name__, "", "", 0.0


def brief(instructions: list[Instruction]) -> tuple[Brief, ...]:
    """What the log keeps of instructions: one (kind, job id) per job they name."""
    out: list[Brief] = []
    for instruction in instructions:
        if type(instruction) is IssueJob:  # by far the most common: a fan-out issues thousands
            out.append(("IssueJob", instruction.job_id))
            continue
        kind = type(instruction).__name__
        if isinstance(instruction, (KillJobs, StopServices)):
            out.extend((kind, job_id) for job_id in instruction.job_ids)
        elif isinstance(instruction, ResetJob):
            out.append((kind, instruction.record.job_id))
        elif isinstance(instruction, WakeAt):
            out.append((kind, f"at {instruction.when:g}"))
        elif isinstance(instruction, WorkflowFinished):
            out.append((kind, "succeeded" if instruction.success else "failed"))
        else:
            out.append((kind, instruction.job_id))
    return tuple(out)


class EventLog:
    """The last ``limit`` events handled, with the instructions each produced."""

    def __init__(self, limit: int = DEFAULT_LOG_LIMIT) -> None:
        # Plain tuples in LogEntry's order: building a NamedTuple costs a Python call per event.
        self._entries: deque[tuple[int, str, str, str, float, tuple[Brief, ...]]] = deque(maxlen=limit)

    def record(self, seq: int, event: Event, instructions: list[Instruction]) -> None:
        briefs = brief(instructions) if instructions else ()
        if type(event) is JobCommitted and event.failed_successor is None:  # the common case, kept cheap
            self._entries.append((seq, "JobCommitted", event.record.job_id, "", event.now, briefs))
        else:
            kind, job_id, detail, now = summarize(event)
            self._entries.append((seq, kind, job_id, detail, now, briefs))

    def entries(self) -> list[LogEntry]:
        """The logged events, oldest first."""
        return [LogEntry._make(entry) for entry in self._entries]

    def last(self) -> LogEntry | None:
        return LogEntry._make(self._entries[-1]) if self._entries else None

    def story(self, job_id: str, history: list[tuple[int, Status]]) -> list[StoryLine]:
        """The events that concern a job: about it, changing its status, or instructing about it."""
        changes: dict[int, list[Status]] = {}
        for seq, status in history:
            changes.setdefault(seq, []).append(status)
        lines: list[StoryLine] = []
        logged: set[int] = set()
        for entry in self.entries():
            mine = tuple(i for i in entry.instructions if i[1] == job_id)
            if entry.job_id == job_id or entry.seq in changes or mine:
                logged.add(entry.seq)
                statuses = tuple(changes.get(entry.seq, ()))
                lines.append(StoryLine(entry.seq, entry.kind, entry.job_id, entry.detail, statuses, mine))
        for seq, changed in changes.items():
            if seq not in logged:  # the event has left the log; its effect on the job is still known
                lines.append(StoryLine(seq, "", "", "", tuple(changed), ()))
        lines.sort(key=lambda line: line.seq)
        return lines


def format_story(job_id: str, lines: list[StoryLine]) -> str:
    """A job's story as text, a line an event: ``#seq Kind(about) detail -> statuses; instructions``."""
    out = [f"Story of job {job_id}:"]
    for line in lines:
        event = f"{line.kind}({line.about})" if line.kind else "(event no longer logged)"
        text = f"  #{line.seq} {event}"
        if line.detail:
            text += f" {line.detail}"
        if line.statuses:
            text += " -> " + ", ".join(status.value for status in line.statuses)
        if line.instructions:
            text += "; " + ", ".join(kind for kind, _ in line.instructions)
        out.append(text)
    return "\n".join(out)
