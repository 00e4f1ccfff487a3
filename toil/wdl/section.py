"""Plan a list of workflow nodes (a workflow body, a scatter iteration, an if body) as jobs.

Declarations and calls whose inputs are already known are handled right away: a
declaration is evaluated here, a call becomes its task's batch job (or its subworkflow)
at once. Every other node becomes a small leader-local job that waits, as a follow-on,
for the jobs it depends on.
"""

from __future__ import annotations

from typing import Any

import WDL
from WDL import _util as wdl_util

from toil.core.job import Job
from toil.wdl import values
from toil.wdl.calls import CallJob, call_inputs, make_call_job
from toil.wdl.evaluate import WdlRuntimeError, eval_decl
from toil.wdl.nodes import ConditionalJob, DeclJob, ScatterJob
from toil.wdl.translate import Fragment, NodeJob, WdlJob
from toil.wdl.values import EnvData


def owners(nodes: list[WDL.Tree.WorkflowNode]) -> dict[str, str]:
    """Map each node id (and each gather id of a section) to the node at this level that makes it."""
    owner: dict[str, str] = {}
    for node in nodes:
        owner[node.workflow_node_id] = node.workflow_node_id
        if isinstance(node, WDL.Tree.WorkflowSection):
            for gather in node.gathers.values():
                owner[gather.workflow_node_id] = node.workflow_node_id
    return owner


def topological(nodes: list[WDL.Tree.WorkflowNode], owner: dict[str, str]) -> list[WDL.Tree.WorkflowNode]:
    adjacency: wdl_util.AdjM = wdl_util.AdjM()
    by_id = {node.workflow_node_id: node for node in nodes}
    for node in nodes:
        adjacency.add_node(node.workflow_node_id)
    for node in nodes:
        for dep in node.workflow_node_dependencies:
            if dep in owner and owner[dep] != node.workflow_node_id:
                adjacency.add_edge(owner[dep], node.workflow_node_id)
    return [by_id[node_id] for node_id in wdl_util.topsort(adjacency)]


def node_job(parent: WdlJob, node: WDL.Tree.WorkflowNode, inputs: EnvData, label: str) -> NodeJob:
    kinds: dict[type, type[NodeJob]] = {WDL.Tree.Decl: DeclJob, WDL.Tree.Call: CallJob,
                                        WDL.Tree.Scatter: ScatterJob, WDL.Tree.Conditional: ConditionalJob}
    for kind, job_class in kinds.items():
        if isinstance(node, kind):
            return job_class(parent.where, node.workflow_node_id, inputs, f"{label}.{node.workflow_node_id}")
    raise WdlRuntimeError(f"unsupported workflow element {type(node).__name__}")


def plan_section(parent: WdlJob, node_ids: list[str], env: EnvData, inputs: EnvData, label: str,
                 stdlib: WDL.StdLib.Base | None = None) -> Fragment:
    """Add the jobs of these nodes under parent; return the fragment of everything they bind.

    ``stdlib``: the parent's, when it plans many sections (a scatter's elements) with one.
    """
    workflow = parent.workflow()
    nodes = [workflow.get_node(node_id) for node_id in node_ids]
    owner = owners(nodes)
    stdlib = stdlib or parent.stdlib()
    env = dict(env)
    own: EnvData = {}
    jobs: dict[str, Job] = {}
    waiting: list[tuple[NodeJob, list[str]]] = []
    for node in topological(nodes, owner):
        deps = sorted({owner[d] for d in node.workflow_node_dependencies if owner.get(d) in jobs})
        if not deps and isinstance(node, WDL.Tree.Decl):
            value = eval_decl(node, values.decode_env(env), inputs, stdlib)
            env[node.name] = own[node.name] = parent.import_local_files(values.encode(value), node.type.optional)
        elif not deps and isinstance(node, WDL.Tree.Call):
            given = call_inputs(parent, node, values.decode_env(env), inputs, stdlib)
            jobs[node.workflow_node_id] = parent.addChild(make_call_job(parent, node, given, label))
        else:
            job = node_job(parent, node, inputs, label)
            jobs[node.workflow_node_id] = job
            waiting.append((job, deps))
    for job, deps in waiting:
        job.env = env
        job.parts = [jobs[dep].rv() for dep in deps]
        if not deps:
            parent.addChild(job)
        for dep in deps:
            jobs[dep].addFollowOn(job)
    results: list[Any] = [own, *[job.rv() for job in jobs.values()]]
    return results
