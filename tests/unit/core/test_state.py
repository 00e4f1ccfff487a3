"""The scheduling state machine against a slow, obvious oracle over generated graphs.

Each generated workflow is a DAG of jobs with children and follow-ons (jobs may have
several predecessors), some of whose successors appear only when their parent commits
(dynamic jobs), some of which are chained by the worker, and some of which fail. After
every event ``validate()`` must hold, and the set of jobs the state has issued must equal
the set the oracle says are ready.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from toil.core.description import JobDescription
from toil.core.requirements import Requirements
from toil.core.state import (
    IssueJob,
    JobCommitted,
    JobFailed,
    JobGaveUp,
    RunLocal,
    SchedulingState,
    Start,
    StateError,
    Status,
    Tick,
    WakeAt,
    WorkflowFinished,
    backoff_delay,
)


@dataclass
class Graph:
    phases: dict[str, list[list[str]]] = field(default_factory=dict)
    dynamic: dict[str, list[list[str]]] = field(default_factory=dict)  # added when the job commits
    local: set[str] = field(default_factory=set)

    def full_phases(self, job_id: str) -> list[list[str]]:
        static = self.phases[job_id]
        extra = self.dynamic.get(job_id, [[], []])
        return [static[0] + extra[0], static[1] + extra[1]]

    def predecessors(self) -> dict[str, int]:
        count = {job_id: 0 for job_id in self.phases}
        for job_id in self.phases:
            for phase in self.full_phases(job_id):
                for successor in phase:
                    count[successor] += 1
        return count


def generate(rng: random.Random, size: int) -> Graph:
    """Jobs j0..jN; edges only point to later jobs, so the graph is acyclic."""
    graph = Graph()
    ids = [f"j{i}" for i in range(size)]
    for job_id in ids:
        graph.phases[job_id] = [[], []]
    dynamic_owner: dict[str, str] = {}
    for index in range(1, size):
        job_id = ids[index]
        parent = ids[rng.randrange(index)]
        dynamic = rng.random() < 0.3 and parent not in dynamic_owner
        phase = 0 if rng.random() < 0.7 else 1
        if dynamic:
            graph.dynamic.setdefault(parent, [[], []])[phase].append(job_id)
            dynamic_owner[job_id] = parent
        else:
            graph.phases[parent][phase].append(job_id)
            # occasionally a second static predecessor, never into a dynamic subtree
            if index > 2 and rng.random() < 0.15 and job_id not in dynamic_owner:
                other = ids[rng.randrange(index)]
                if other != parent and other not in dynamic_owner and job_id not in graph.full_phases(other)[0]:
                    graph.phases[other][rng.randrange(2)].append(job_id)
        if rng.random() < 0.1:
            graph.local.add(job_id)
    return graph


def record(graph: Graph, job_id: str, preds: dict[str, int], ran: bool = False) -> JobDescription:
    phases = graph.full_phases(job_id) if ran else [list(p) for p in graph.phases[job_id]]
    return JobDescription(job_id, job_id, Requirements(), phases=phases, predecessors=preds[job_id],
                          ran=ran, local=job_id in graph.local)


class Oracle:
    """Toil's semantics computed from scratch, every time, the slow way."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.ran: set[str] = set()
        self.parents: dict[str, list[tuple[str, int]]] = {}
        for job_id in graph.phases:
            for index, phase in enumerate(graph.full_phases(job_id)):
                for successor in phase:
                    self.parents.setdefault(successor, []).append((job_id, index))

    def done(self, job_id: str) -> bool:
        return job_id in self.ran and all(self.done(s) for p in self.graph.full_phases(job_id) for s in p)

    def released(self, job_id: str, parent: str, index: int) -> bool:
        phases = self.graph.full_phases(parent)
        return parent in self.ran and all(self.done(s) for p in phases[:index] for s in p)

    def ready(self) -> set[str]:
        out = set()
        for job_id in self.graph.phases:
            if job_id in self.ran:
                continue
            if all(self.released(job_id, p, i) for p, i in self.parents.get(job_id, [])):
                out.add(job_id)
        return out


def simulate(seed: int, size: int, retry_count: int = 1, fail_rate: float = 0.0) -> bool | None:
    rng = random.Random(seed)
    graph = generate(rng, size)
    preds = graph.predecessors()
    oracle = Oracle(graph)
    state = SchedulingState(retry_count=retry_count)
    dynamic_ids = {s for phases in graph.dynamic.values() for p in phases for s in p}
    known = {j for j in graph.phases if j not in dynamic_ids}
    # A dynamic job's own subtree is only known once its owner commits.
    pending_known = set(known)
    issued: set[str] = set()
    failures: dict[str, int] = {}
    given_up: set[str] = set()
    now = 0.0
    finished = None

    def apply(instructions: list[object]) -> None:
        nonlocal finished
        for ins in instructions:
            if isinstance(ins, (IssueJob, RunLocal)):
                assert ins.job_id not in issued, f"{ins.job_id} issued twice"
                assert isinstance(ins, RunLocal) == (ins.job_id in graph.local)
                issued.add(ins.job_id)
            elif isinstance(ins, JobGaveUp):
                given_up.add(ins.job_id)
            elif isinstance(ins, WorkflowFinished):
                finished = ins.success
            else:
                assert isinstance(ins, WakeAt)

    start_records = [record(graph, j, preds) for j in sorted(known)]
    apply(state.handle(Start("j0", start_records)))
    state.validate()
    while finished is None:
        assert issued, "nothing running, nothing finished"
        job_id = rng.choice(sorted(issued))
        issued.discard(job_id)
        if rng.random() < fail_rate:
            failures[job_id] = failures.get(job_id, 0) + 1
            apply(state.handle(JobFailed(job_id, now)))
            state.validate()
            if job_id not in given_up:
                now += backoff_delay(failures[job_id]) + 0.01
                apply(state.handle(Tick(now)))
                state.validate()
                assert job_id in issued
            continue
        assert job_id in oracle.ready(), f"{job_id} was issued before the oracle says it is ready"
        oracle.ran.add(job_id)
        committed = record(graph, job_id, preds, ran=True)
        new = [s for p in committed.phases for s in p if s not in pending_known]
        new_records, chained = [], []
        for s in new:
            pending_known.add(s)
            new_records.append(record(graph, s, preds))
        # chain: a sole successor with one predecessor that the oracle says is now ready runs at once
        if len(committed.successors) == 1 and rng.random() < 0.5:
            only = committed.successors[0]
            if preds[only] == 1 and only not in graph.local and only in oracle.ready():
                oracle.ran.add(only)
                fresh = record(graph, only, preds, ran=True)
                for s in fresh.successors:
                    if s not in pending_known:
                        pending_known.add(s)
                        new_records.append(record(graph, s, preds))
                if only in new:
                    new_records = [fresh if r.job_id == only else r for r in new_records]
                else:
                    chained.append(fresh)
        apply(state.handle(JobCommitted(committed, new_records, chained)))
        state.validate()
        if finished is None:
            assert issued == oracle.ready() - given_up, "issued set differs from the oracle's ready set"
    assert not oracle.ready() - oracle.ran - given_up, "finished while the oracle still has ready jobs"
    if fail_rate == 0.0:
        assert finished is oracle.done("j0")  # False only for a graph that deadlocks by construction
        if finished:
            assert state.counts()[Status.DONE.value] == len(graph.phases)  # done jobs leave state.nodes
    else:
        assert finished is oracle.done("j0")
        for job_id in given_up:
            assert failures[job_id] == retry_count + 1
            assert state.status(job_id) is Status.FAILED
    return finished


def test_generated_graphs_match_oracle() -> None:
    outcomes = [simulate(seed, size=random.Random(seed).randrange(1, 40)) for seed in range(400)]
    # Most generated graphs complete; the rest deadlock by construction, as the oracle agrees.
    assert outcomes.count(True) > 200 and outcomes.count(False) > 20


@pytest.mark.parametrize("seed", range(60))
def test_generated_graphs_with_failures_and_retries(seed: int) -> None:
    simulate(seed, size=random.Random(seed).randrange(2, 30), retry_count=seed % 3, fail_rate=0.25)


def test_large_fan_out_is_linear() -> None:
    n = 20000
    graph = Graph(phases={"root": [[f"c{i}" for i in range(n)], ["sum"]], "sum": [[], []]})
    for i in range(n):
        graph.phases[f"c{i}"] = [[], []]
    preds = graph.predecessors()
    state = SchedulingState()
    out = state.handle(Start("root", [record(graph, j, preds) for j in graph.phases]))
    assert out == [IssueJob("root")]
    out = state.handle(JobCommitted(record(graph, "root", preds, ran=True)))
    assert len(out) == n
    for i in range(n):
        out = state.handle(JobCommitted(record(graph, f"c{i}", preds, ran=True)))
    assert out == [IssueJob("sum")]
    assert state.handle(JobCommitted(record(graph, "sum", preds, ran=True))) == [WorkflowFinished(True)]


def test_deep_chain_needs_no_recursion() -> None:
    n = 5000
    graph = Graph(phases={f"j{i}": [[f"j{i + 1}"], []] for i in range(n)})
    graph.phases[f"j{n}"] = [[], []]
    preds = graph.predecessors()
    state = SchedulingState()
    # Restart case: every job already ran; the whole chain completes without issuing anything.
    out = state.handle(Start("j0", [record(graph, j, preds, ran=True) for j in graph.phases]))
    assert out == [WorkflowFinished(True)]
    state.validate()


def test_deadlock_finishes_unsuccessfully() -> None:
    # a has child x and follow-on b; b also has child x: x waits on b, b waits on x.
    graph = Graph(phases={"a": [["x"], ["b"]], "b": [["x"], []], "x": [[], []]})
    preds = graph.predecessors()
    state = SchedulingState()
    state.handle(Start("a", [record(graph, j, preds) for j in graph.phases]))
    out = state.handle(JobCommitted(record(graph, "a", preds, ran=True)))
    assert out == [WorkflowFinished(False)]
    assert state.status("x") is Status.WAITING


def test_contradictory_events_are_refused() -> None:
    graph = Graph(phases={"a": [["b"], []], "b": [[], []]})
    preds = graph.predecessors()
    state = SchedulingState()
    state.handle(Start("a", [record(graph, j, preds) for j in graph.phases]))
    with pytest.raises(StateError):
        state.handle(JobCommitted(record(graph, "b", preds, ran=True)))
    with pytest.raises(StateError):
        state.handle(JobCommitted(record(graph, "a", preds, ran=False)))


def test_retry_waits_for_back_off() -> None:
    graph = Graph(phases={"a": [[], []]})
    state = SchedulingState(retry_count=2)
    state.handle(Start("a", [record(graph, "a", {"a": 0})]))
    out = state.handle(JobFailed("a", now=100.0))
    assert out == [WakeAt(100.0 + backoff_delay(1))]
    assert state.handle(Tick(100.1)) == [WakeAt(100.0 + backoff_delay(1))]
    assert state.handle(Tick(100.0 + backoff_delay(1))) == [IssueJob("a")]
    state.handle(JobFailed("a", now=200.0))
    state.handle(Tick(300.0))
    out = state.handle(JobFailed("a", now=400.0, reason="boom"))
    assert out == [JobGaveUp("a", "boom"), WorkflowFinished(False)]


def test_permanent_failure_is_not_retried() -> None:
    graph = Graph(phases={"a": [[], []]})
    state = SchedulingState(retry_count=5)
    state.handle(Start("a", [record(graph, "a", {"a": 0})]))
    out = state.handle(JobFailed("a", now=1.0, reason="exit 2", permanent=True))
    assert out == [JobGaveUp("a", "exit 2"), WorkflowFinished(False)]


def test_permanent_failure_of_a_chained_successor_is_not_retried() -> None:
    graph = Graph(phases={"a": [["b"], []], "b": [[], []]})
    preds = graph.predecessors()
    state = SchedulingState(retry_count=5)
    state.handle(Start("a", [record(graph, j, preds) for j in graph.phases]))
    out = state.handle(JobCommitted(record(graph, "a", preds, ran=True), failed_successor="b", reason="boom",
                                    now=5.0, failed_permanently=True))
    state.validate()
    assert out == [JobGaveUp("b", "boom"), WorkflowFinished(False)]


def test_failure_of_a_chained_successor_costs_it_a_try() -> None:
    graph = Graph(phases={"a": [["b"], []], "b": [[], []]})
    preds = graph.predecessors()
    for retry_count, expected in ((1, [WakeAt(5.0 + backoff_delay(1))]), (0, [JobGaveUp("b", "boom"),
                                                                               WorkflowFinished(False)])):
        state = SchedulingState(retry_count=retry_count)
        state.handle(Start("a", [record(graph, j, preds) for j in graph.phases]))
        out = state.handle(JobCommitted(record(graph, "a", preds, ran=True), failed_successor="b", reason="boom",
                                        now=5.0))
        state.validate()
        assert out == expected
        if retry_count:
            assert state.handle(Tick(10.0)) == [IssueJob("b")]
