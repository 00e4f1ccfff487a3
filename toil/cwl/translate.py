"""CWL processes as job graphs on the core.

A workflow becomes a local job that, when it runs, adds one local StepJob per step
(children for steps fed only by workflow inputs, follow-ons of the steps they read
from otherwise) and a local OutputJob that assembles the workflow's outputs. A StepJob
resolves its indirect dictionary (linkMerge, pickValue, default), scatters, evaluates
valueFrom and when, and runs the step: an ExpressionTool at once (in the leader), a
CommandLineTool as a batch ToolJob, a subworkflow as a child WorkflowJob. Outputs are
returned as (nested lists of) promises; consumers resolve them when they start.
"""

from __future__ import annotations

import copy
import logging
import tempfile
from collections.abc import Callable
from typing import Any

from cwltool.process import Process
from cwltool.workflow import Workflow, WorkflowStep

from toil.core.containers import record_image
from toil.core.filestore import FileStore
from toil.core.job import Job
from toil.core.requirements import beyond_machine, say_once
from toil.cwl import links, scatter
from toil.cwl.callcache import StepCache, stored_locations
from toil.cwl.container import RECORDER
from toil.cwl.load import ProcessRef, resolve
from toil.cwl.requirements import has_resource_requirement, job_requirements
from toil.cwl.stepinputs import evaluate_step_inputs, resources_in_leader
from toil.cwl.tool import (
    RunOptions,
    Unsupported,
    fixed_tool_dirs,
    prepare_tool,
    run_process,
    run_with_stderr,
    runtime_context,
)
from toil.cwl.transfer import OutputUploader, Stager

logger = logging.getLogger(__name__)


def reader(file_store: FileStore) -> Callable[[str], bytes]:
    """Read a job-store file's bytes (the texts a document was loaded from, when a worker must load it)."""

    def read(file_id: str) -> bytes:
        with file_store.readGlobalFileStream(file_id) as stream:
            return bytes(stream.read())

    return read


def out_names(step: WorkflowStep) -> list[str]:
    return [links.shortname(out["id"]) for out in step.tool["outputs"]]


class CWLJob(Job):
    """A job that runs part of a CWL document; the body names the process, never holds it.

    The runner's options come from the workflow's settings, read once a process, not from the body.
    """

    def __init__(self, ref: ProcessRef, name: str, **kwargs: Any) -> None:
        super().__init__(unitName=name, displayName=name, **kwargs)
        self.ref = ref

    def run_options(self, fileStore: FileStore) -> RunOptions:
        legacy = self.__dict__.get("options")  # a body pickled before the options moved to the settings
        if isinstance(legacy, RunOptions):
            return legacy
        return RunOptions.from_json(fileStore.frontend_settings)

    @property
    def jobName(self) -> str:
        return f"CWL{type(self).__name__}"


class RootJob(CWLJob):
    """The document's root process, run with the job order."""

    def __init__(self, ref: ProcessRef, inputs: dict[str, Any], name: str) -> None:
        super().__init__(ref, name, local=True)
        self.inputs = inputs

    def run(self, fileStore: FileStore) -> Any:
        _, tool = resolve(self.ref, reader(fileStore))
        names = [links.shortname(out["id"]) for out in tool.tool["outputs"]]
        return launch(self, self.ref, tool, self.inputs, names, fileStore)


class WorkflowJob(CWLJob):
    """A (sub)workflow: adds its steps and the job that gathers its outputs."""

    def __init__(self, ref: ProcessRef, inputs: dict[str, Any], name: str) -> None:
        super().__init__(ref, name, local=True)
        self.inputs = inputs

    def run(self, fileStore: FileStore) -> Any:
        _, workflow = resolve(self.ref, reader(fileStore))
        assert isinstance(workflow, Workflow)
        values: dict[str, Any] = {}
        for parameter in workflow.tool["inputs"]:
            value = self.inputs.get(links.shortname(parameter["id"]))
            if value is None and "default" in parameter:
                value = copy.deepcopy(parameter["default"])
            values[parameter["id"]] = value
        steps = {step.id: StepJob(self.ref.step(step.id), _step_name(step)) for step in workflow.steps}
        for step in workflow.steps:
            job = steps[step.id]
            job.sources, producers = _sources(step.tool["inputs"], "source", values, steps)
            for producer in producers:
                steps[producer].addFollowOn(job)
            if not producers:
                self.addChild(job)
        outputs = OutputJob(self.ref, "outputs")
        outputs.sources, _ = _sources(workflow.tool["outputs"], "outputSource", values, steps)
        self.addFollowOn(outputs)
        return outputs.rv()


def _step_name(step: WorkflowStep) -> str:
    return links.shortname(step.id)


def _sources(
    parameters: list[dict[str, Any]], field: str, values: dict[str, Any], steps: dict[str, StepJob]
) -> tuple[dict[str, list[Any] | None], list[str]]:
    """For each parameter, its sources' values (or promises); and the steps it reads from."""
    found: dict[str, list[Any] | None] = {}
    producers: list[str] = []
    for parameter in parameters:
        if field not in parameter:
            found[parameter["id"]] = None
            continue
        items: list[Any] = []
        for source in [parameter[field]] if isinstance(parameter[field], str) else parameter[field]:
            if source in values:
                items.append(values[source])
                continue
            step_id, _, output = source.rpartition("/")
            if step_id not in steps:
                raise Unsupported(f"Source '{source}' of '{parameter['id']}' does not exist")
            items.append(steps[step_id].rv(output))
            if step_id not in producers:
                producers.append(step_id)
        found[parameter["id"]] = items
    return found, producers


class OutputJob(CWLJob):
    """Assemble a workflow's outputs once all its steps are done."""

    def __init__(self, ref: ProcessRef, name: str) -> None:
        super().__init__(ref, name, local=True)
        self.sources: dict[str, list[Any] | None] = {}

    def run(self, fileStore: FileStore) -> Any:
        _, workflow = resolve(self.ref, reader(fileStore))
        outputs = {}
        for parameter in workflow.tool["outputs"]:
            value = links.parameter_value(parameter, self.sources.get(parameter["id"]), "outputSource")
            outputs[links.shortname(parameter["id"])] = value
        return outputs


class StepJob(CWLJob):
    """One workflow step: resolve its inputs, scatter, evaluate valueFrom and when, run it."""

    def __init__(self, ref: ProcessRef, name: str) -> None:
        super().__init__(ref, name, local=True)
        self.sources: dict[str, list[Any] | None] = {}

    def run(self, fileStore: FileStore) -> Any:
        step, tool = resolve(self.ref, reader(fileStore))
        assert step is not None
        inputs = {
            parameter["id"]: links.parameter_value(parameter, self.sources.get(parameter["id"]))
            for parameter in step.tool["inputs"]
        }
        names = out_names(step)
        keys = step.tool.get("scatter")
        if not keys:
            return self._one(step, tool, inputs, names, fileStore)
        keys = [keys] if isinstance(keys, str) else list(keys)
        plan = scatter.plan(inputs, keys, step.tool.get("scatterMethod"))
        results = scatter.reshape(plan, lambda job: self._one(step, tool, job, names, fileStore))
        return scatter.split_outputs(results, names)

    def _one(self, step: WorkflowStep, tool: Process, inputs: dict[str, Any], names: list[str],
             fileStore: FileStore) -> dict[str, Any]:
        evaluated = evaluate_step_inputs(step, inputs, self.run_options(fileStore), fileStore.jobStore)
        if evaluated is None:
            return dict.fromkeys(names)  # skipped by `when`
        return launch(self, self.ref, tool, evaluated, names, fileStore)


def launch(parent: CWLJob, ref: ProcessRef, tool: Process, inputs: dict[str, Any], names: list[str],
           fileStore: FileStore) -> dict[str, Any]:
    """Run a process for a job: ExpressionTools here, the rest as new child jobs."""
    kind = tool.tool.get("class")
    name = links.shortname(str(ref.steps[-1])) if ref.steps else links.shortname(str(tool.tool.get("id", "main")))
    options = parent.run_options(fileStore)
    if kind == "ExpressionTool":
        workdir = fileStore.getLocalTempDir()
        context = runtime_context(options, workdir, fileStore.jobStore)
        outputs = run_process(prepare_tool(tool, options), inputs, context)
        return {n: outputs.get(n) for n in names}
    child: Job
    if kind == "Workflow":
        child = WorkflowJob(ref, inputs, name)
    elif kind == "CommandLineTool":
        prepared = prepare_tool(tool, options)  # refuse early (no container engine)
        cached = _cached_in_leader(parent, ref, prepared, inputs, options, fileStore)
        if cached is not None:
            return {n: cached.get(n) for n in names}
        resources = None
        if has_resource_requirement(tool):
            resources = resources_in_leader(tool, inputs, options, fileStore)
        def note(kind: str, asked: float, given: float) -> None:
            say_once(beyond_machine(f"Step '{name}'", kind, asked, given),
                     lambda text: fileStore.log_to_leader(text, logging.WARNING, here=False))

        child = ToolJob(ref, inputs, names, name,
                        job_requirements(resources, options.max_cores, options.max_memory, note))
    else:
        raise Unsupported(f"Cannot run a process of class {kind}")
    parent.addChild(child)
    return {n: child.rv(n) for n in names}


class ToolJob(CWLJob):
    """A CommandLineTool run in a worker: stage inputs, run with cwltool, upload outputs."""

    def __init__(self, ref: ProcessRef, inputs: dict[str, Any], names: list[str], name: str,
                 requirements: dict[str, Any]) -> None:
        super().__init__(ref, name, **requirements)
        self.inputs = inputs
        self.names = names

    def run(self, fileStore: FileStore) -> Any:
        _, tool = resolve(self.ref, reader(fileStore))
        options = self.run_options(fileStore)
        tool = prepare_tool(tool, options)
        inplace = _inplace_update(tool)
        workdir = fileStore.getLocalTempDir()

        def read(file_id: str, path: str, mutable: bool) -> None:
            fileStore.readGlobalFile(file_id, path, mutable=mutable)

        stager = Stager(workdir + "/inputs", read, mutable=inplace)
        inputs = stager.stage(copy.deepcopy(self.inputs))
        context = runtime_context(options, workdir)
        fileStore.keep_between_jobs(*fixed_tool_dirs(context, workdir, options))
        setattr(context, RECORDER, lambda image: record_image(fileStore.jobStore, image))
        cache = self._call_cache(options, inplace)
        outputs = cache.lookup(tool, inputs, options.to_json(), tempfile.mkdtemp(dir=workdir)) if cache else None
        if outputs is None:
            outputs = run_with_stderr(tool, inputs, context, workdir, options.log_dir, self.unitName)
            if cache:
                cache.store(outputs)
        if cache:
            cache.close()
        # Outputs are scratch nothing changes again (a link will do), unless updated in place.
        write = fileStore.writeGlobalFile if inplace else fileStore.write_scratch_file
        upload = lambda path: str(write(path))  # noqa: E731
        if inplace:  # InplaceUpdateRequirement: the change is visible to every later reader
            stager.write_back(upload, lambda path, file_id: fileStore.jobStore.write_file(path, file_id))
        uploader = OutputUploader(upload, stager.origin)
        outputs = uploader.upload(outputs)
        return {n: outputs.get(n) for n in self.names}

    def _call_cache(self, options: RunOptions, inplace: bool) -> StepCache | None:
        """--cachedir: the cache for this step (none for tools that change their inputs in place)."""
        if not options.cache_dir or inplace:
            return None
        return _step_cache(self, self.ref, options)


def _step_cache(job: Job, ref: ProcessRef, options: RunOptions, log: Callable[[str], None] | None = None) -> StepCache:
    step = "/".join(links.shortname(str(s)) for s in ref.steps) or job.unitName
    return StepCache(options.cache_dir, options.cache_hash, step, log or job.log, options.cache_max_size)


def _cached_in_leader(parent: CWLJob, ref: ProcessRef, tool: Process, inputs: dict[str, Any], options: RunOptions,
                      fileStore: FileStore) -> dict[str, Any] | None:
    """--cachedir: a tool run's outputs from the cache before any job is issued, when its inputs allow.

    Only when every input file has a local path in the job store (its digest is then known without
    staging); otherwise the tool's job looks the cache up itself, after staging.
    """
    if not options.cache_dir or _inplace_update(tool):
        return None
    where = stored_locations(inputs, fileStore.jobStore.local_path)
    if where is None:
        return None
    cache = _step_cache(parent, ref, options, logger.info)  # in the leader: its log, once
    try:
        scratch = tempfile.mkdtemp(prefix="cached-", dir=fileStore.getLocalTempDir())  # one per tool run
        outputs = cache.lookup(tool, inputs, options.to_json(), scratch, where)
        if outputs is None:
            return None
        return OutputUploader(lambda path: str(fileStore.write_scratch_file(path))).upload(outputs)
    finally:
        cache.close()


def _inplace_update(tool: Process) -> bool:
    requirement, _ = tool.get_requirement("InplaceUpdateRequirement")
    return bool(requirement and requirement.get("inplaceUpdate"))

