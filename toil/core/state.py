"""The scheduling state machine: events in, instructions out, no I/O.

The leader feeds it what happened (the workflow started, a job committed, a job failed,
time passed) and executes what it answers (issue a job, run one in the leader, wake me
later, report a job given up, the workflow is finished). ``validate()`` checks every
invariant; tests call it after each event.

A job is ready once every job listing it in a successor phase has released it. A job
that has run releases its phases one at a time: phase k+1 starts when every job of
phase k is done, and a job is done when it has run and all its phases are done.
"""

from __future__ import annotations

import enum
import heapq
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from toil.core.description import JobDescription


class Status(enum.Enum):
    WAITING = "waiting"  # some predecessor has not released it
    ISSUED = "issued"  # handed to the batch system (or to the leader to run locally)
    RETRY = "retry"  # failed, waiting out its back-off before it is issued again
    RAN = "ran"  # committed; its successor phases are under way
    DONE = "done"  # ran and every successor phase is done
    FAILED = "failed"  # failed with no tries left


# -- events -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    root_id: str
    records: list[JobDescription]


@dataclass(frozen=True)
class JobCommitted:
    """The job's worker committed it.

    ``new_records`` are successors the state has not seen; ``chained`` are fresh records of
    jobs it has seen (still waiting) that the same worker ran straight after.
    """

    record: JobDescription
    new_records: list[JobDescription] = field(default_factory=list)
    chained: list[JobDescription] = field(default_factory=list)
    #: a successor the worker chained into that failed: it is charged one try when ready
    failed_successor: str | None = None
    reason: str = ""
    now: float = 0.0
    failed_permanently: bool = False  # the successor's failure is not to be retried


@dataclass(frozen=True)
class JobFailed:
    job_id: str
    now: float
    reason: str = ""
    permanent: bool = False  # the job said another attempt cannot mend it (PermanentJobFailure)


@dataclass(frozen=True)
class Tick:
    now: float


@dataclass(frozen=True)
class ServiceStarted:
    """A service's worker has run its start(): its host's successors may go."""

    job_id: str


Event = Start | JobCommitted | JobFailed | Tick | ServiceStarted


# -- instructions -----------------------------------------------------------------------
@dataclass(frozen=True)
class IssueJob:
    job_id: str


@dataclass(frozen=True)
class RunLocal:
    job_id: str


@dataclass(frozen=True)
class WakeAt:
    when: float


@dataclass(frozen=True)
class JobGaveUp:
    job_id: str
    reason: str


@dataclass(frozen=True)
class WorkflowFinished:
    success: bool


@dataclass(frozen=True)
class StopServices:
    job_ids: list[str]


@dataclass(frozen=True)
class KillJobs:
    """Kill these issued jobs; their outcome no longer matters (a checkpoint restarts)."""

    job_ids: list[str]


@dataclass(frozen=True)
class ResetJob:
    """Write this record: a checkpoint that will run again from scratch."""

    record: JobDescription
    reason: str


Instruction = IssueJob | RunLocal | WakeAt | JobGaveUp | WorkflowFinished | StopServices | KillJobs | ResetJob


class StateError(Exception):
    """The events contradict the graph (a bug in the caller, or a damaged store)."""


@dataclass
class _Node:
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

    @property
    def is_host(self) -> bool:
        return bool(self.record.services) and self.record.kind != "service"


def backoff_delay(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2, ...): 0.5 s doubling to 30 s."""
    return float(min(0.5 * 2 ** (attempt - 1), 30.0))


class SchedulingState:
    """The leader's in-memory view of a workflow, driven by events."""

    def __init__(self, retry_count: int = 1) -> None:
        self.retry_count = retry_count
        self.nodes: dict[str, _Node] = {}
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
        self._out = []
        if isinstance(event, Start):
            self._on_start(event)
        elif isinstance(event, JobCommitted):
            self._on_committed(event)
        elif isinstance(event, JobFailed):
            self._on_failed(event)
        elif isinstance(event, Tick):
            self._on_tick(event.now)
        elif isinstance(event, ServiceStarted):
            self._on_service_started(event.job_id)
        else:
            raise StateError(f"unknown event {event!r}")
        self._drain()
        self._check_finished()
        return self._out

    def status(self, job_id: str) -> Status:
        return self.nodes[job_id].status

    def record(self, job_id: str) -> JobDescription:
        return self.nodes[job_id].record

    def counts(self) -> dict[str, int]:
        out = {status.value: 0 for status in Status}
        for node in self.nodes.values():
            out[node.status.value] += 1
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
        if node.host is not None:
            self._out.append(JobGaveUp(node.record.job_id, event.reason))
            self._service_finished(node, Status.FAILED)
            return
        self._fail(node, event.now, event.reason, event.permanent)

    def _fail(self, node: _Node, now: float, reason: str, permanent: bool = False) -> None:
        if node.tries_left > 0 and not permanent:
            node.tries_left -= 1
            node.status = Status.RETRY
            due = now + backoff_delay(node.attempts)
            heapq.heappush(self.retrying, (due, node.record.job_id))
            self._out.append(WakeAt(due))
            return
        node.status = Status.FAILED
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
    def _node(self, job_id: str) -> _Node:
        try:
            return self.nodes[job_id]
        except KeyError:
            raise StateError(f"unknown job {job_id}") from None

    def _add(self, records: Iterable[JobDescription]) -> None:
        for record in records:
            if record.job_id in self.nodes:
                raise StateError(f"job {record} added twice")
            self.nodes[record.job_id] = _Node(record, tries_left=self.retry_count)

    def _make_ready(self, node: _Node) -> None:
        if node.record.ran:
            self._mark_ran(node)  # committed before: on restart, or chained by a worker
        elif node.chain_failure is not None:
            (reason, permanent), node.chain_failure = node.chain_failure, None
            node.attempts += 1  # its worker already tried it, chained after its predecessor
            self._fail(node, self._now, reason, permanent)
        else:
            self._issue(node)

    def _issue(self, node: _Node) -> None:
        node.status = Status.ISSUED
        node.attempts += 1
        self.active += 1
        job_id = node.record.job_id
        self._out.append(RunLocal(job_id) if node.record.local else IssueJob(job_id))

    def _mark_ran(self, node: _Node) -> None:
        node.status = Status.RAN
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

    def _advance(self, node: _Node) -> None:
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

    def _release(self, node: _Node) -> None:
        node.released += 1
        if node.released > node.record.predecessors:
            raise StateError(f"job {node.record} released more often than it has predecessors")
        if node.released == node.record.predecessors:
            self._make_ready(node)

    def _mark_done(self, node: _Node) -> None:
        node.status = Status.DONE
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
    def _start_next_tier(self, host: _Node) -> None:
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

    def _service_finished(self, service: _Node, status: Status) -> None:
        service.status = status
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

    def _finish(self, node: _Node) -> None:
        """A job whose phases are done: stop its services first, then it is done (or failed)."""
        if node.live_services:
            if not node.stopping:
                node.stopping = True
                running = [s for tier in node.record.services for s in tier
                           if s in self.nodes and self.nodes[s].status is Status.ISSUED]
                self._out.append(StopServices(running))
            return
        if node.service_failed:
            node.status = Status.FAILED
        else:
            self._mark_done(node)

    # -- checkpoints ----------------------------------------------------------------------
    def _checkpoint_above(self, node: _Node) -> _Node | None:
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

    def _subtree(self, node: _Node) -> list[str]:
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

    def _restart_checkpoint(self, checkpoint: _Node, reason: str) -> None:
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
        from toil.core.invariants import check_state

        check_state(self)
