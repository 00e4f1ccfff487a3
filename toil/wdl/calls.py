"""A call's inputs and its task's batch job (toil.wdl.section plans calls, and subworkflows)."""

from __future__ import annotations

import logging
from typing import Any

import WDL

from toil.core.requirements import beyond_machine, say_once
from toil.wdl import runtime, values
from toil.wdl.evaluate import WdlRuntimeError, describe_eval_error, eval_decls, eval_expr, with_pos
from toil.wdl.task import TaskJob
from toil.wdl.translate import WdlJob
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
            context = f"call {call.name} input {name}"
            raise WdlRuntimeError(describe_eval_error(with_pos(e, expr), context)) from e
        given[name] = job.import_local_files(values.encode(value), wanted.optional)
    return given


def task_job(job: WdlJob, task: WDL.Tree.Task, call_name: str, given: EnvData) -> TaskJob:
    """The batch job that runs a task call."""
    requirements = task_requirements(job, task, given)
    return TaskJob(job.where.bundle, task.pos.abspath, task.name, call_name, given, **requirements)


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
    def note(kind: str, asked: float, given: float) -> None:
        say_once(beyond_machine(f"Task '{task.name}'", kind, asked, given),
                 lambda text: job.fileStore.log_to_leader(text, logging.WARNING, here=False))

    return runtime.requirements(settings, job.fileStore.frontend_settings.get("limits"), note)
