"""Calls (of tasks and of subworkflows), whole workflows and their outputs, as leader-local jobs."""

from __future__ import annotations

import logging
from typing import Any

import WDL

from toil.core.job import Job
from toil.wdl import runtime, values
from toil.wdl.evaluate import WdlRuntimeError, describe_eval_error, eval_decl, eval_decls, eval_expr
from toil.wdl.task import TaskJob
from toil.wdl.translate import Fragment, NodeJob, WdlJob, Where
from toil.wdl.values import EnvData

logger = logging.getLogger(__name__)


def call_inputs(job: WdlJob, call: WDL.Tree.Call, env: WDL.Env.Bindings, inputs: EnvData,
                stdlib: WDL.StdLib.Base) -> EnvData:
    """A call's inputs: those given in the inputs file for it, overridden by the call's own."""
    given = values.with_prefix(inputs, call.name)
    assert call.callee is not None
    for name, expr in call.inputs.items():
        decl = call.callee.available_inputs[name]
        wanted = decl.type.copy(optional=True) if decl.expr is not None else decl.type
        value = eval_expr(expr, env, stdlib)
        try:
            value = value.coerce(wanted)
        except WDL.Error.RuntimeError as e:
            raise WdlRuntimeError(f"call {call.name} input {name}: {describe_eval_error(e)}") from e
        given[name] = job.import_local_files(values.encode(value), wanted.optional)
    return given


def make_call_job(job: WdlJob, call: WDL.Tree.Call, given: EnvData, label: str) -> Job:
    """The job that runs a call: its task's batch job, or its subworkflow."""
    callee = call.callee
    if isinstance(callee, WDL.Tree.Task):
        requirements = task_requirements(job, callee, given)
        return TaskJob(job.where.bundle, callee.pos.abspath, callee.name, call.name, given, job.where.options,
                       **requirements)
    assert isinstance(callee, WDL.Tree.Workflow)
    where = Where(job.where.bundle, callee.pos.abspath, job.where.options)
    return WorkflowJob(where, given, prefix=call.name, label=f"{label}.{call.name}")


class CallJob(NodeJob):
    """A call whose inputs come from other nodes: evaluate them once those are done."""

    def run(self, fileStore: Any) -> Fragment:
        call: WDL.Tree.Call = self.node()
        given = call_inputs(self, call, values.decode_env(self.full_env()), self.inputs, self.stdlib())
        child = self.addChild(make_call_job(self, call, given, self.unitName))
        return child.rv()


def task_requirements(job: WdlJob, task: WDL.Tree.Task, given: EnvData) -> dict[str, Any]:
    """Best-effort requirements from a task's runtime section, evaluated in the leader.

    The worker evaluates everything again; when something cannot be evaluated here (it
    reads a file written by a declaration, say) the job gets the workflow's defaults.
    """
    if not task.runtime:
        return {}
    try:
        stdlib = job.stdlib()
        env = eval_decls(list(task.inputs or []) + list(task.postinputs), WDL.Env.Bindings(), given, stdlib)
        settings = {key: runtime.plain(eval_expr(expr, env, stdlib)) for key, expr in task.runtime.items()}
    except Exception as e:  # noqa: BLE001 - the worker reports the real problem
        logger.debug("Could not evaluate the runtime of %s in the leader: %s", task.name, e)
        return {}
    # Values that evaluated but are no size (memory: "lots") are the document's error, not ours to hide.
    return runtime.requirements(settings, job.where.options.get("limits"))


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
    def __init__(self, where: Where, inputs: EnvData, label: str) -> None:
        super().__init__(where, label)
        self.inputs = inputs

    def run(self, fileStore: Any) -> Fragment:
        from toil.wdl.section import plan_section

        workflow = self.workflow()
        nodes = [node.workflow_node_id for node in [*(workflow.inputs or []), *workflow.body]]
        return plan_section(self, nodes, {}, self.inputs, self.unitName.rsplit(".", 1)[0])


class OutputsJob(WdlJob):
    """Evaluate the output section (or, without one, gather every call output)."""

    def __init__(self, where: Where, prefix: str, label: str) -> None:
        super().__init__(where, label)
        self.prefix = prefix
        self.parts: list[Any] = []

    def run(self, fileStore: Any) -> EnvData:
        workflow = self.workflow()
        env_data = self.flatten(self.parts)
        result: EnvData = {}
        if workflow.outputs is not None:
            env = values.decode_env(env_data)
            stdlib = self.stdlib()
            for decl in workflow.outputs:
                output = eval_decl(decl, env, {}, stdlib)
                env = env.bind(decl.name, output)
                result[decl.name] = self.import_local_files(values.encode(output), decl.type.optional)
        else:
            for binding in workflow.effective_outputs:
                if binding.name in env_data:
                    result[binding.name] = env_data[binding.name]
        if not self.prefix and self.where.options.get("all_call_outputs"):
            for name, value in env_data.items():
                if "." in name and name not in result:
                    result[name] = value
        return values.add_prefix(result, self.prefix) if self.prefix else result
