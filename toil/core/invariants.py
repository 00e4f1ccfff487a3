"""The invariants of the scheduling state; ``StateView.validate()`` checks them."""

from __future__ import annotations

from typing import Protocol

from toil.core.nodes import Node, Status


class StateView(Protocol):
    """What the invariants read of a SchedulingState (which imports this module, not the other way)."""

    nodes: dict[str, Node]
    root_id: str | None
    active: int
    retrying: list[tuple[float, str]]


def check_state(state: StateView) -> None:
    issued = 0
    for job_id, node in state.nodes.items():
        issued += node.status is Status.ISSUED
        _check_node(state, job_id, node)
    assert issued == state.active, f"{issued} jobs issued but active count is {state.active}"
    retry_ids = {job_id for _, job_id in state.retrying}
    in_retry = {job_id for job_id, n in state.nodes.items() if n.status is Status.RETRY}
    assert retry_ids == in_retry, "the retry heap and the RETRY statuses disagree"


def _check_node(state: StateView, job_id: str, node: Node) -> None:
    record = node.record
    assert record.job_id == job_id
    assert 0 <= node.released <= record.predecessors
    if node.status is not Status.WAITING and job_id != state.root_id:
        assert node.released == record.predecessors, f"{record} is {node.status.value} before release"
    if node.status in (Status.RAN, Status.DONE):
        assert record.ran, f"{record} is {node.status.value} but its record has not run"
    for parent_id in node.parents:
        assert job_id in state.nodes[parent_id].record.successors
    if node.host is not None:
        assert job_id in [s for tier in state.nodes[node.host].record.services for s in tier]
        assert not node.parents, f"service {record} has parents"
    if node.status is Status.DONE:
        for successor_id in record.successors + [s for tier in record.services for s in tier]:
            assert _done(state, successor_id), f"{record} done before {successor_id}"
    if node.status is Status.RAN:
        _check_ran(state, node)
    _check_services(state, node)


def _done(state: StateView, job_id: str) -> bool:
    """Done jobs are dropped from the state (but for the root): a missing node is a done one."""
    node = state.nodes.get(job_id)
    return node is None or node.status is Status.DONE


def _check_ran(state: StateView, node: Node) -> None:
    record = node.record
    if node.phase == -1:  # still starting its services
        assert node.is_host and (node.starting > 0 or node.stopping), f"{record} ran but is stalled"
        return
    if node.phase == len(record.phases):  # successors done, services stopping
        assert node.stopping and node.live_services > 0, f"{record} finished its phases but is not done"
        return
    assert 0 <= node.phase < len(record.phases)
    for earlier in record.phases[: node.phase]:
        for successor_id in earlier:
            assert _done(state, successor_id)
    current = record.phases[node.phase]
    not_done = sum(not _done(state, s) for s in current)
    assert not_done == node.pending, f"{record} pending {node.pending} but {not_done} not done"
    for later in record.phases[node.phase + 1:]:
        for successor_id in later:
            assert node.record.job_id not in state.nodes[successor_id].parents


def _check_services(state: StateView, node: Node) -> None:
    if not node.is_host or node.status is not Status.RAN:
        return
    services = [state.nodes[s] for tier in node.record.services for s in tier if s in state.nodes]
    live = sum(s.status is Status.ISSUED for s in services)
    assert live == node.live_services, f"{node.record} counts {node.live_services} live services, {live} are"
    unstarted = sum(s.status is Status.ISSUED and not s.started for s in services)
    assert unstarted == node.starting, f"{node.record} counts {node.starting} starting, {unstarted} are"
