"""Plan a workflow's nodes as jobs, section by section (a workflow body, a scatter element, an if body).

Declarations and calls whose inputs are already known are handled right away: a
declaration is evaluated here, a call becomes its task's batch job (or its subworkflow)
at once. Every other node becomes a small leader-local job that waits, as a follow-on,
for the jobs it depends on. A scatter or an if waits for everything its body refers to
outside it (toil.wdl.order) and plans its body when it runs; so does a subworkflow.
"""

from __future__ import annotations

from typing import Any

import WDL

from toil.core.job import Job
from toil.wdl import values
from toil.wdl.calls import call_inputs, task_job
from toil.wdl.evaluate import WdlRuntimeError, eval_decl, eval_expr, gathered_names
from toil.wdl.nodes import DeclJob, OutputsJob
from toil.wdl.order import Step, section_order, workflow_nodes
from toil.wdl.translate import Fragment, Gathered, NodeJob, WdlJob, Where
from toil.wdl.values import EnvData


def plan_section(parent: WdlJob, order: list[Step], env: EnvData, inputs: EnvData, label: str,
                 stdlib: WDL.StdLib.Base | None = None) -> Fragment:
    """Add the jobs of these nodes (in section_order) under parent; return the fragment of everything they bind.

    ``stdlib``: the parent's, when it plans many sections (a scatter's elements) with one.
    """
    stdlib = stdlib or parent.stdlib()
    env = dict(env)
    own: EnvData = {}
    jobs: dict[str, Job] = {}
    waiting: list[tuple[NodeJob, list[str]]] = []
    for step in order:
        node = step.node
        deps = [dep for dep in step.after if dep in jobs]  # the others were evaluated here, into env
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


def node_job(parent: WdlJob, node: WDL.Tree.WorkflowNode, inputs: EnvData, label: str) -> NodeJob:
    kinds: dict[type, type[NodeJob]] = {WDL.Tree.Decl: DeclJob, WDL.Tree.Call: CallJob,
                                        WDL.Tree.Scatter: ScatterJob, WDL.Tree.Conditional: ConditionalJob}
    for kind, job_class in kinds.items():
        if isinstance(node, kind):
            return job_class(parent.where, node.workflow_node_id, inputs, f"{label}.{node.workflow_node_id}")
    raise WdlRuntimeError(f"unsupported workflow element {type(node).__name__}")


def make_call_job(job: WdlJob, call: WDL.Tree.Call, given: EnvData, label: str) -> Job:
    """The job that runs a call: its task's batch job, or its subworkflow."""
    callee = call.callee
    if isinstance(callee, WDL.Tree.Task):
        return task_job(job, callee, call.name, given)
    assert isinstance(callee, WDL.Tree.Workflow)
    where = Where(job.where.bundle, callee.pos.abspath)
    return WorkflowJob(where, given, prefix=call.name, label=f"{label}.{call.name}")


class CallJob(NodeJob):
    """A call whose inputs come from other nodes: evaluate them once those are done."""

    def run(self, fileStore: Any) -> Fragment:
        call: WDL.Tree.Call = self.node()
        given = call_inputs(self, call, values.decode_env(self.full_env()), self.inputs, self.stdlib())
        child = self.addChild(make_call_job(self, call, given, self.unitName))
        return child.rv()


class ScatterJob(NodeJob):
    """Evaluate the collection and plan the body once per element (their jobs are this job's children)."""

    def run(self, fileStore: Any) -> Fragment:
        scatter = self.node()
        env = self.full_env()
        stdlib = self.stdlib()  # one for every element: making one costs more than planning an element
        collection = eval_expr(scatter.expr, values.decode_env(env), stdlib)
        if not isinstance(collection, WDL.Value.Array):
            raise WdlRuntimeError(f"scatter over a non-array value {collection}")
        order = section_order(scatter.body)
        iterations = []
        for index, item in enumerate(collection.value):
            inner = values.merge(env, {scatter.variable: values.encode(item)})
            iterations.append(plan_section(self, order, inner, self.inputs, f"{self.unitName}[{index}]", stdlib))
        return Gathered(self.node_id, iterations)


class ConditionalJob(NodeJob):
    """Plan the body when the condition holds; otherwise bind every name it exposes to null."""

    def run(self, fileStore: Any) -> Fragment:
        section = self.node()
        env = self.full_env()
        condition = eval_expr(section.expr, values.decode_env(env), self.stdlib())
        nulls = {name: ("Null",) for name in gathered_names(section)}
        if condition.coerce(WDL.Type.Boolean()).value:
            order = section_order(section.body)
            return [nulls, plan_section(self, order, env, self.inputs, f"{self.unitName}.then")]
        return nulls


class WorkflowJob(WdlJob):
    """A workflow (the main one or a subworkflow): its body, then its outputs, all under this job."""

    def __init__(self, where: Where, inputs: EnvData, prefix: str = "", label: str = "") -> None:
        super().__init__(where, label or "workflow")
        self.inputs = inputs
        self.prefix = prefix

    def run(self, fileStore: Any) -> Fragment:
        body = WorkflowBodyJob(self.where, self.inputs, f"{self.unitName}.body")
        outputs = OutputsJob(self.where, self.prefix, f"{self.unitName}.outputs")
        outputs.parts = [body.rv()]
        self.addChild(body)
        body.addFollowOn(outputs)
        return outputs.rv()


class WorkflowBodyJob(WdlJob):
    """A workflow's inputs and body; it sees nothing but its inputs (a subworkflow none of its caller's values)."""

    def __init__(self, where: Where, inputs: EnvData, label: str) -> None:
        super().__init__(where, label)
        self.inputs = inputs

    def run(self, fileStore: Any) -> Fragment:
        order = section_order(workflow_nodes(self.workflow()))
        return plan_section(self, order, {}, self.inputs, self.unitName.rsplit(".", 1)[0])
