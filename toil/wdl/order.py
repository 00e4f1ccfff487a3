"""Which nodes of a section wait for which, and in what order they are planned.

miniwdl gives a scatter or an if, as its ``workflow_node_dependencies``, only what the
section's own expression needs; its body's references are the body nodes' own. We plan a
section as one job that plans its body once it runs, so that job must wait for, and be
given, everything its body refers to outside it, at any depth of nesting: this module
computes that.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import WDL

from toil.wdl.load import WdlError, where


def dependency_order(needs: Mapping[str, Iterable[str]]) -> list[str]:
    """The ids of needs sorted so that each comes after the ids it needs (all among needs' keys).

    Raises graphlib.CycleError (``.args[1]``: ids on a cycle) when no such order exists.
    """
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for node_id, before in needs.items():
        sorter.add(node_id, *before)
    return list(sorter.static_order())


def owners(nodes: list[WDL.Tree.WorkflowNode]) -> dict[str, str]:
    """Map each node id (and each gather id of a section) to the node at this level that makes it."""
    owner: dict[str, str] = {}
    for node in nodes:
        owner[node.workflow_node_id] = node.workflow_node_id
        if isinstance(node, WDL.Tree.WorkflowSection):
            for gather in node.gathers.values():
                owner[gather.workflow_node_id] = node.workflow_node_id
    return owner


def referenced(node: WDL.Tree.WorkflowNode) -> set[str]:
    """The ids of every node that this node refers to: for a section, also its body's, at any depth.

    Ids of nodes inside the section are among them; the caller keeps those of its own level.
    """
    found = set(node.workflow_node_dependencies)
    if isinstance(node, WDL.Tree.WorkflowSection):
        for inner in node.body:
            found |= referenced(inner)
    return found


@dataclass
class Step:
    """One node of a section and the nodes of the same section it must wait for."""

    node: WDL.Tree.WorkflowNode
    after: list[str]


def section_order(nodes: list[WDL.Tree.WorkflowNode]) -> list[Step]:
    """The nodes of one section in an order where each comes after every node of the section it needs."""
    owner = owners(nodes)
    by_id = {node.workflow_node_id: node for node in nodes}
    needs: dict[str, list[str]] = {}
    for node in nodes:
        own = node.workflow_node_id
        needs[own] = sorted({owner[dep] for dep in referenced(node) if owner.get(dep, own) != own})
    try:
        order = dependency_order(needs)
    except graphlib.CycleError:
        raise WdlError(describe_cycle(by_id, needs)) from None
    return [Step(by_id[node_id], needs[node_id]) for node_id in order]


def describe_cycle(by_id: dict[str, WDL.Tree.WorkflowNode], needs: dict[str, list[str]]) -> str:
    """A section's body needs a value that is computed from the section's own results.

    miniwdl runs that (it schedules each body node on its own); we plan a section as one job,
    which cannot both wait for that value and make the results it is computed from.
    """
    for section_id in sorted(needs):
        section = by_id[section_id]
        if isinstance(section, WDL.Tree.WorkflowSection):
            for dep in needs[section_id]:
                if waits_on(dep, section_id, needs):
                    return cycle_message(section, by_id[dep])
    return "workflow nodes wait on each other in a cycle"


def waits_on(start: str, target: str, needs: dict[str, list[str]]) -> bool:
    """Whether the node start waits, directly or not, on target."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current == target:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(needs[current])
    return False


def cycle_message(section: WDL.Tree.WorkflowSection, value: WDL.Tree.WorkflowNode) -> str:
    kind = "scatter" if isinstance(section, WDL.Tree.Scatter) else "if"
    name = getattr(value, "name", value.workflow_node_id)
    return (f"{where(section.pos)} this {kind}'s body uses {name} ({where(value.pos)}), which is computed from "
            f"the {kind}'s own results: not supported (the {kind} runs as one unit); move {name} into the {kind} "
            "or split it")


def check_sections(nodes: list[WDL.Tree.WorkflowNode]) -> None:
    """Raise WdlError if some section, at any depth, cannot be planned (see describe_cycle)."""
    for step in section_order(nodes):
        if isinstance(step.node, WDL.Tree.WorkflowSection):
            check_sections(step.node.body)


def workflow_nodes(workflow: WDL.Tree.Workflow) -> list[WDL.Tree.WorkflowNode]:
    """The nodes of a workflow's top section: its inputs, then its body."""
    return [*(workflow.inputs or []), *workflow.body]
