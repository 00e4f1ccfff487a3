"""The scheduling state machine: events in, instructions out, no I/O.

The leader feeds it what happened (the workflow started, a job committed, a job failed,
time passed) and executes what it answers (issue a job, run one in the leader, wake me
later, report a job given up, the workflow is finished). ``validate()`` checks every
invariant (toil.core.invariants); tests have it run after each event (``Validation``).

Each event gets a sequence number and goes into a bounded log with the instructions it
produced, and each job remembers which events changed its status (toil.core.story):
``story(job_id)`` tells why a job was issued, failed, retried or ran again.

A job is ready once every job listing it in a successor phase has released it. A job
that has run releases its phases one at a time: phase k+1 starts when every job of
phase k is done, and a job is done when it has run and all its phases are done.
"""

from __future__ import annotations

import enum
import heapq
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import replace

from toil.core.description import JobDescription
from toil.core.events import (
    Event,
    Instruction,
    IssueJob,
    JobCommitted,
    JobFailed,
    JobGaveUp,
    KillJobs,
    ResetJob,
    RunLocal,
    ServiceStarted,
    Start,
    StopServices,
    Tick,
    WakeAt,
    WorkflowFinished,
)
from toil.core.invariants import check_state
from toil.core.nodes import DONE, ISSUED, RAN, WAITING, Node, Status, decode_history
from toil.core.story import DEFAULT_LOG_LIMIT, EventLog, StoryLine, format_story

__all__ = [  # the events, instructions and statuses are the state machine's vocabulary: import them from here
    "Event", "Instruction", "IssueJob", "JobCommitted", "JobFailed", "JobGaveUp", "KillJobs", "ResetJob",
    "RunLocal", "SchedulingState", "ServiceStarted", "Start", "StateError", "Status", "StopServices", "Tick",
    "Validation", "WakeAt", "WorkflowFinished", "DEFAULT_BACKOFF", "backoff_delay", "validation_for",
]

#: with Validation.SAMPLED, validation checks about this many nodes per event (amortized)
SAMPLED_NODES_PER_EVENT = 200
#: the stories of this many jobs done last stay complete (older ones keep only the logged events)
DONE_HISTORY_LIMIT = 10_000


class StateError(Exception):
    """The events contradict the graph (a bug in the caller, or a damaged store)."""


#: Toil's --retryBackoffSeconds and --retryBackoffFactor
DEFAULT_BACKOFF = (2.0, 3.0)


def backoff_delay(attempt: int, backoff: tuple[float, float] = DEFAULT_BACKOFF) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2, ...): ``seconds * factor ** (attempt - 1)``."""
    seconds, factor = backoff
    return float(seconds * factor ** (attempt - 1))


class Validation(enum.Enum):
    """When the state checks its invariants on its own, after handling an event."""

    OFF = "off"
    EVERY_EVENT = "every event"  # tests, and TOIL_VALIDATE_STATE=1
    SAMPLED = "sampled"  # --logDebug: after enough events that it costs a bounded amount per event


def validation_for(environ: Mapping[str, str], debug: bool) -> Validation:
    """The validation a leader asks for: TOIL_VALIDATE_STATE=1 (every event), else sampled under --logDebug."""
    if environ.get("TOIL_VALIDATE_STATE", "") not in ("", "0"):
        return Validation.EVERY_EVENT
    return Validation.SAMPLED if debug else Validation.OFF


class SchedulingState:
    """The leader's in-memory view of a workflow, driven by events.

    Every event handled is numbered (``seq``) and logged with the instructions it produced
    (``log``, the last ``log_limit`` events); ``story(job_id)`` tells a job's history from it.
    """

    def __init__(
        self, retry_count: int = 1, *, validation: Validation = Validation.OFF, log_limit: int = DEFAULT_LOG_LIMIT,
        backoff: tuple[float, float] = DEFAULT_BACKOFF,
    ) -> None:
        self.retry_count = retry_count
        self.backoff = backoff
        self.validation = validation
        self.log = EventLog(log_limit)
        self.seq = 0  # of the event being (or last) handled
        self._next_validation = 0
        #: the jobs not done yet (and the root): a job's node is dropped once it is done, so the
        #: leader's memory follows the graph's frontier, not every job the workflow ever made
        self.nodes: dict[str, Node] = {}
        self.released = 0  # jobs done and dropped from nodes
        self.cut_short = 0  # attempts that failed: each may have left records of jobs it never committed
        #: the status changes of the last DONE_HISTORY_LIMIT jobs dropped, for their stories
        self._done_history: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        self.root_id: str | None = None
        self.active = 0  # ISSUED
        self.retrying: list[tuple[float, str]] = []  # heap of (due, job id)
        self.finished = False
        self._work: deque[tuple[str, str]] = deque()
        self._out: list[Instruction] = []
        self._now = 0.0

    # -- public -------------------------------------------------------------------------
    def handle(self, event: Event) -> list[Instruction]:
        if self.finished:
            raise StateError(f"workflow already finished, got {event!r}")
        self.seq += 1
        self._out = []
        try:
            if isinstance(event, JobCommitted):
                self._on_committed(event)
            elif isinstance(event, JobFailed):
                self._on_failed(event)
            elif isinstance(event, Tick):
                self._on_tick(event.now)
            elif isinstance(event, Start):
                self._on_start(event)
            elif isinstance(event, ServiceStarted):
                self._on_service_started(event.job_id)
            else:
                raise StateError(f"unknown event {event!r}")
            self._drain()
            self._check_finished()
        finally:  # an event the state refuses is logged too, with what it had answered
            self.log.record(self.seq, event, self._out)
        if self.validation is not Validation.OFF:
            self._validate_after_event()
        return self._out

    def story(self, job_id: str) -> list[StoryLine]:
        """The events that concern a job, oldest first: why it was issued, failed, retried, ran again."""
        node = self.nodes.get(job_id)
        history = node.history if node is not None else self._done_history.get(job_id, ())
        return self.log.story(job_id, decode_history(history))

    def story_text(self, job_id: str) -> str:
        return format_story(job_id, self.story(job_id))

    def status(self, job_id: str) -> Status:
        return self.nodes[job_id].status

    def record(self, job_id: str) -> JobDescription:
        return self.nodes[job_id].record

    def counts(self) -> dict[str, int]:
        out = {status.value: 0 for status in Status}
        for node in self.nodes.values():
            out[node.status.value] += 1
        out[Status.DONE.value] += self.released
        return out

    def failed_jobs(self) -> list[JobDescription]:
        return [n.record for n in self.nodes.values() if n.status is Status.FAILED]

    # -- events -------------------------------------------------------------------------
    def _on_start(self, event: Start) -> None:
        if self.root_id is not None:
            raise StateError("the workflow was started twice")
        self._add(event.records)
        if event.root_id not in self.nodes:
            raise StateError(f"root job {event.root_id} has no record")
        self.root_id = event.root_id
        root = self.nodes[event.root_id]
        if root.record.predecessors != 0:
            raise StateError(f"root job {event.root_id} has predecessors")
        self._make_ready(root)

    def _on_committed(self, event: JobCommitted) -> None:
        node = self._node(event.record.job_id)
        if node.status is not Status.ISSUED:
            raise StateError(f"job {node.record} committed while {node.status.value}")
        if not event.record.ran:
            raise StateError(f"job {node.record} reported committed but its record has not run")
        self._add(event.new_records)
        for chained in event.chained:
            known = self._node(chained.job_id)
            if known.status is not Status.WAITING or not chained.ran:
                raise StateError(f"job {chained} reported chained while {known.status.value}")
            known.record = chained
        if event.failed_successor is not None:
            self.cut_short += 1
            failed = self._node(event.failed_successor)
            if failed.status is not Status.WAITING or failed.record.ran:
                raise StateError(f"job {failed.record} reported failed in a chain while {failed.status.value}")
            failed.chain_failure = (event.reason, event.failed_permanently)
        self._now = event.now
        node.record = event.record
        self.active -= 1
        if node.host is not None:
            self._service_finished(node, Status.DONE)
        else:
            self._mark_ran(node)

    def _on_failed(self, event: JobFailed) -> None:
        node = self._node(event.job_id)
        if node.status is not Status.ISSUED:
            raise StateError(f"job {node.record} failed while {node.status.value}")
        self.active -= 1
        self.cut_short += 1
        if node.host is not None:
            self._out.append(JobGaveUp(node.record.job_id, event.reason))
            self._service_finished(node, Status.FAILED)
            return
        self._fail(node, event.now, event.reason, event.permanent)

    def _fail(self, node: Node, now: float, reason: str, permanent: bool = False) -> None:
        if node.tries_left > 0 and not permanent:
            node.tries_left -= 1
            node.enter(Status.RETRY, self.seq)
            due = now + backoff_delay(node.attempts, self.backoff)
            heapq.heappush(self.retrying, (due, node.record.job_id))
            self._out.append(WakeAt(due))
            return
        node.enter(Status.FAILED, self.seq)
        checkpoint = self._checkpoint_above(node)
        if checkpoint is None:
            self._out.append(JobGaveUp(node.record.job_id, reason))
        else:
            self._restart_checkpoint(checkpoint, f"job {node.record} failed: {reason}")

    def _on_tick(self, now: float) -> None:
        while self.retrying and self.retrying[0][0] <= now:
            _, job_id = heapq.heappop(self.retrying)
            self._issue(self.nodes[job_id])
        if self.retrying:
            self._out.append(WakeAt(self.retrying[0][0]))

    # -- mechanics ----------------------------------------------------------------------
    def _node(self, job_id: str) -> Node:
        try:
            return self.nodes[job_id]
        except KeyError:
            raise StateError(f"unknown job {job_id}") from None

    def _add(self, records: Iterable[JobDescription]) -> None:
        for record in records:
            if record.job_id in self.nodes:
                raise StateError(f"job {record} added twice")
            self.nodes[record.job_id] = Node(record, tries_left=self.retry_count, history=(self.seq << 3 | WAITING,))

    def _make_ready(self, node: Node) -> None:
        if node.record.ran:
            self._mark_ran(node)  # committed before: on restart, or chained by a worker
        elif node.chain_failure is not None:
            (reason, permanent), node.chain_failure = node.chain_failure, None
            node.attempts += 1  # its worker already tried it, chained after its predecessor
            self._fail(node, self._now, reason, permanent)
        else:
            self._issue(node)

    def _issue(self, node: Node) -> None:
        node.status = Status.ISSUED  # what node.enter does, without a call on this hot path
        node.history += (self.seq << 3 | ISSUED,)
        node.attempts += 1
        self.active += 1
        job_id = node.record.job_id
        self._out.append(RunLocal(job_id) if node.record.local else IssueJob(job_id))

    def _mark_ran(self, node: Node) -> None:
        node.status = Status.RAN  # what node.enter does, without a call on this hot path
        node.history += (self.seq << 3 | RAN,)
        node.phase = -1
        if node.is_host:
            node.service_tier = -1
            self._start_next_tier(node)
        else:
            self._work.append(("advance", node.record.job_id))

    def _drain(self) -> None:
        while self._work:
            action, job_id = self._work.popleft()
            node = self.nodes.get(job_id)
            if node is None:
                continue  # dropped with a restarted checkpoint's subtree
            if action == "advance":
                self._advance(node)
            else:
                self._release(node)

    def _advance(self, node: Node) -> None:
        """Start the next successor phase(s) of a job that ran, or finish it."""
        phases = node.record.phases
        while node.pending == 0:
            node.phase += 1
            if node.phase >= len(phases):
                self._finish(node)
                return
            for successor_id in phases[node.phase]:
                successor = self._node(successor_id)
                successor.parents.append(node.record.job_id)
                node.pending += 1
                self._work.append(("release", successor_id))

    def _release(self, node: Node) -> None:
        node.released += 1
        if node.released > node.record.predecessors:
            raise StateError(f"job {node.record} released more often than it has predecessors")
        if node.released == node.record.predecessors:
            self._make_ready(node)

    def _mark_done(self, node: Node) -> None:
        node.status = Status.DONE  # what node.enter does, without a call on this hot path
        node.history += (self.seq << 3 | DONE,)
        job_id = node.record.job_id
        if job_id != self.root_id:  # nothing looks a done job up again: a missing node is a done one
            del self.nodes[job_id]
            self.released += 1
            self._done_history[job_id] = node.history
            if len(self._done_history) > DONE_HISTORY_LIMIT:
                self._done_history.popitem(last=False)
        for parent_id in node.parents:
            parent = self.nodes[parent_id]
            parent.pending -= 1
            if parent.pending == 0:
                self._work.append(("advance", parent_id))

    def _check_finished(self) -> None:
        if self.root_id is None or self.active or self.retrying or self._work:
            return
        self.finished = True
        self._out.append(WorkflowFinished(self.nodes[self.root_id].status is Status.DONE))

    # -- services -----------------------------------------------------------------------
    def _start_next_tier(self, host: Node) -> None:
        """Issue the host's next tier of services, or let its successors go once all started."""
        while True:
            host.service_tier += 1
            if host.service_tier >= len(host.record.services):
                self._work.append(("advance", host.record.job_id))
                return
            tier = host.record.services[host.service_tier]
            for service_id in tier:
                service = self._node(service_id)
                service.host = host.record.job_id
                host.starting += 1
                host.live_services += 1
                self._issue(service)
            if tier:
                return

    def _on_service_started(self, job_id: str) -> None:
        service = self._node(job_id)
        if service.host is None or service.status is not Status.ISSUED or service.started:
            raise StateError(f"service {service.record} reported started while {service.status.value}")
        service.started = True
        host = self.nodes[service.host]
        host.starting -= 1
        if host.starting == 0 and not host.stopping:
            self._start_next_tier(host)

    def _service_finished(self, service: Node, status: Status) -> None:
        if status is Status.DONE:
            self._mark_done(service)  # dropped, as every done job: nothing looks a done service up again
        else:
            service.enter(status, self.seq)
        assert service.host is not None
        host = self.nodes.get(service.host)
        if host is None:
            return
        host.live_services -= 1
        if not service.started:
            host.starting -= 1
        if status is Status.FAILED:
            host.service_failed = True
            if host.phase == -1:  # successors never started: stop the rest, the host fails
                self._finish(host)
                return
        if host.stopping and host.live_services == 0:
            self._finish(host)

    def _finish(self, node: Node) -> None:
        """A job whose phases are done: stop its services first, then it is done (or failed)."""
        if node.live_services:
            if not node.stopping:
                node.stopping = True
                running = [s for tier in node.record.services for s in tier
                           if s in self.nodes and self.nodes[s].status is Status.ISSUED]
                self._out.append(StopServices(running))
            return
        if node.service_failed:
            node.enter(Status.FAILED, self.seq)
        else:
            self._mark_done(node)

    # -- checkpoints ----------------------------------------------------------------------
    def _checkpoint_above(self, node: Node) -> Node | None:
        """The nearest ancestor checkpoint that ran and may run again."""
        seen: set[str] = set()
        frontier = list(node.parents) + ([node.host] if node.host else [])
        while frontier:
            job_id = frontier.pop(0)
            if job_id in seen or job_id not in self.nodes:
                continue
            seen.add(job_id)
            ancestor = self.nodes[job_id]
            if ancestor.record.checkpoint and ancestor.status is Status.RAN and ancestor.tries_left > 0:
                return ancestor
            frontier.extend(ancestor.parents)
            if ancestor.host:
                frontier.append(ancestor.host)
        return None

    def _subtree(self, node: Node) -> list[str]:
        found: list[str] = []
        seen: set[str] = set()
        stack = [s for p in node.record.phases for s in p] + [s for t in node.record.services for s in t]
        while stack:
            job_id = stack.pop()
            if job_id in seen or job_id not in self.nodes:
                continue
            seen.add(job_id)
            found.append(job_id)
            record = self.nodes[job_id].record
            stack.extend(s for p in record.phases for s in p)
            stack.extend(s for t in record.services for s in t)
        return found

    def _restart_checkpoint(self, checkpoint: Node, reason: str) -> None:
        """Drop everything below a checkpoint and run it again from scratch."""
        subtree = self._subtree(checkpoint)
        dropped = set(subtree)
        killed = []
        for job_id in subtree:
            if self.nodes.pop(job_id).status is Status.ISSUED:
                self.active -= 1
                killed.append(job_id)
        self.retrying = [(due, job_id) for due, job_id in self.retrying if job_id not in dropped]
        heapq.heapify(self.retrying)
        if killed:
            self._out.append(KillJobs(killed))
        checkpoint.record = replace(checkpoint.record, ran=False, phases=[[], []], services=[], messages=[],
                                    files_to_delete=[])
        for field_name in ("pending", "starting", "live_services"):
            setattr(checkpoint, field_name, 0)
        checkpoint.phase = checkpoint.service_tier = -1
        checkpoint.stopping = checkpoint.service_failed = False
        checkpoint.tries_left -= 1
        self._out.append(ResetJob(checkpoint.record, reason))
        self._issue(checkpoint)

    # -- invariants ---------------------------------------------------------------------
    def validate(self) -> None:
        """Raise AssertionError when an invariant does not hold."""
        check_state(self)

    def _validate_after_event(self) -> None:
        if self.validation is Validation.SAMPLED and not self.finished:
            if self.seq < self._next_validation:
                return
            self._next_validation = self.seq + len(self.nodes) // SAMPLED_NODES_PER_EVENT
        try:
            check_state(self)
        except AssertionError as e:
            entry = self.log.last()
            assert entry is not None
            raise AssertionError(f"{e} (after event #{entry.seq} {entry.kind}({entry.job_id}))") from None
