"""Leader-side evaluation of a step's inputs: loadContents, valueFrom, when; and resources."""

from __future__ import annotations

import copy
import functools
import logging
from typing import Any

from cwl_utils import expression
from cwltool.builder import content_limit_respected_read
from cwltool.errors import WorkflowException
from cwltool.process import Process
from cwltool.utils import adjustDirObjs, get_listing
from cwltool.workflow import WorkflowStep

from toil.cwl.files import ToilFsAccess
from toil.cwl.links import shortname
from toil.cwl.tool import RunOptions, engine_name, runtime_context

logger = logging.getLogger(__name__)


def _evaluate(text: Any, inputs: dict[str, Any], step: WorkflowStep, options: RunOptions, context: Any = None) -> Any:
    return expression.do_eval(
        text, inputs, step.requirements, None, None, {}, context=context, debug=options.debug,
        timeout=options.eval_timeout, container_engine=engine_name(options),
    )


def _load_contents(value: Any, fs: ToilFsAccess) -> None:
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and item.get("class") == "File" and item.get("contents") is None:
            with fs.open(str(item["location"]), "rb") as f:
                item["contents"] = content_limit_respected_read(f)


def evaluate_step_inputs(
    step: WorkflowStep, inputs: dict[str, Any], options: RunOptions, store: Any
) -> dict[str, Any] | None:
    """The tool's job order for one (scattered) job of a step, or None when ``when`` is false."""
    parameters = step.tool["inputs"]
    value_from = {p["id"]: p["valueFrom"] for p in parameters if "valueFrom" in p}
    load_contents = {p["id"] for p in parameters if p.get("loadContents")}
    when = step.tool.get("when")
    io = copy.deepcopy(inputs)
    if value_from or load_contents or when:
        if value_from and not step.get_requirement("StepInputExpressionRequirement")[0]:
            raise WorkflowException(
                "Workflow step contains valueFrom but StepInputExpressionRequirement not in requirements"
            )
        fs = ToilFsAccess("", store)
        for key in load_contents:
            if io.get(key) is not None:
                _load_contents(io[key], fs)
        short = {shortname(k): v for k, v in io.items()}
        for key, text in value_from.items():
            adjustDirObjs(io.get(key), functools.partial(get_listing, fs, recursive=True))
            io[key] = _evaluate(text, short, step, options, context=io.get(key))
        if when is not None and not _should_run(when, io, step, options):
            return None
    return {shortname(p["id"]): io.get(p["id"]) for p in parameters if not p.get("not_connected")}


def _should_run(when: str, io: dict[str, Any], step: WorkflowStep, options: RunOptions) -> bool:
    value = _evaluate(when, {shortname(k): v for k, v in io.items()}, step, options)
    if value is True or value is False:
        return value
    raise WorkflowException(f"Conditional 'when' must evaluate to 'true' or 'false', got {value!r}")


def resources_in_leader(tool: Process, inputs: dict[str, Any], options: RunOptions, file_store: Any) -> Any:
    """cwltool's evaluated ResourceRequirement for a job (None when it cannot be evaluated here)."""
    try:
        context = runtime_context(options, file_store.getLocalTempDir(), file_store.jobStore)
        builder = tool._init_job(copy.deepcopy(inputs), context)
        return tool.evalResources(builder, context)
    except Exception as e:  # noqa: BLE001 - fall back to the defaults; the worker reports real errors
        logger.debug("Could not evaluate the resources of %s here: %s", tool.tool.get("id"), e)
        return None
