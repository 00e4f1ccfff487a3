"""CommandLineTools in containers: cwltool's container job, with the engine, the image and the
command line from toil.core.containers.

cwltool decides what the tool sees (the output directory at its designated path, inputs
read-only at theirs, InitialWorkDir entries, writable copies, HOME and TMPDIR, stdin/stdout/stderr
redirection); this module turns that into the core's RunSpec, so docker, podman and
singularity/apptainer are spelt, checked and recorded in one place for both front-ends.
"""

from __future__ import annotations

import hashlib
import math
import os
import urllib.parse
from collections.abc import Callable, MutableMapping
from typing import Any

from cwltool.command_line_tool import CommandLineTool
from cwltool.context import LoadingContext, RuntimeContext
from cwltool.docker import DockerCommandLineJob
from cwltool.errors import WorkflowException
from cwltool.job import ContainerCommandLineJob, JobBase
from cwltool.process import Process
from cwltool.workflow import default_make_tool
from ruamel.yaml.comments import CommentedMap

from toil.core.containers import (
    Engine,
    Image,
    ImageSource,
    Mount,
    RunSpec,
    engine_named,
    ensure_image,
)
from toil.core.containers.spec import current_user

#: RuntimeContext attributes our jobs read: the engine's name, a callback recording each image used,
#: and the directory of the document (relative dockerLoad/dockerImport paths are read from there).
ENGINE = "toil_container_engine"
RECORDER = "toil_image_recorder"
DOCUMENT_DIR = "toil_document_dir"
MIB = 1024 * 1024


def image_source(requirement: MutableMapping[str, Any], force_pull: bool = False, base: str = "") -> ImageSource:
    """Where a DockerRequirement's image comes from, as cwltool reads its fields."""
    pull = requirement.get("dockerPull")
    dockerfile = requirement.get("dockerFile")
    name = requirement.get("dockerImageId") or pull
    if not name:
        seed = str(dockerfile or requirement.get("dockerLoad") or requirement.get("dockerImport") or "")
        name = "toil-cwl-image:" + hashlib.sha1(seed.encode()).hexdigest()[:16]
    return ImageSource(str(name), pull=str(pull) if pull else None, dockerfile=dockerfile,
                       load=_located(requirement.get("dockerLoad"), base),
                       import_from=_located(requirement.get("dockerImport"), base), force_pull=force_pull)


def _located(path: Any, base: str) -> str | None:
    if not path:
        return None
    text = str(path)
    if text.startswith("file://"):
        text = text[len("file://"):]
    if "://" in text or os.path.isabs(text) or not base:
        return text
    beside = os.path.join(base, text)
    return beside if os.path.exists(beside) or not os.path.exists(text) else os.path.abspath(text)


class EngineJob(DockerCommandLineJob):
    """cwltool's container job whose engine, image handling and command line come from the core."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mounts: list[Mount] = []
        self._engine: Engine | None = None
        self._image: Image | None = None

    def run(self, runtimeContext: RuntimeContext, tmpdir_lock: Any = None) -> None:
        engine = engine_named(getattr(runtimeContext, ENGINE, None) or "docker")
        engine.check()  # one line naming the engine when it is missing or not running
        self._engine = engine
        self.docker_exec = engine.executable
        requirement, _ = self.get_requirement("DockerRequirement")
        if requirement is not None:
            source = image_source(requirement, bool(runtimeContext.force_docker_pull),
                                  getattr(runtimeContext, DOCUMENT_DIR, ""))
            scratch = os.path.dirname(runtimeContext.tmp_outdir_prefix) or None
            self._image = ensure_image(engine, source, scratch)
            recorder: Callable[[Image], None] | None = getattr(runtimeContext, RECORDER, None)
            if recorder is not None:
                recorder(self._image)
        collect = self.collect_outputs

        def collect_checked(outdir: str, rcode: int) -> Any:
            outputs = collect(outdir, rcode)
            self._refuse_links_outside(outputs, outdir)
            return outputs

        self.collect_outputs = collect_checked
        super().run(runtimeContext, tmpdir_lock)

    def _refuse_links_outside(self, value: Any, outdir: str) -> None:
        """Fail when an output is a symbolic link the tool made to a container path outside its output directory.

        Such a link means something else on the host (cwltool leaves it dangling on a clean host, so
        the result would depend on the machine); the spec says the output must not be collected.
        """
        if isinstance(value, list):
            for item in value:
                self._refuse_links_outside(item, outdir)
            return
        if not isinstance(value, MutableMapping):
            return
        for item in value.values():
            self._refuse_links_outside(item, outdir)
        location = str(value.get("location", ""))
        path = urllib.parse.unquote(location[len("file://"):]) if location.startswith("file://") else ""
        if value.get("class") != "File" or not path.startswith(outdir.rstrip("/") + "/") or not os.path.islink(path):
            return
        target = os.readlink(path)
        if not os.path.isabs(target):
            return
        # The output directory and the inputs, as the container and as the host name them (cwltool links
        # in-place inputs by their host path); not the container's /tmp, which is the job's scratch.
        places = [self.builder.outdir, outdir]
        for mount in self._mounts:
            if mount.target != self.CONTAINER_TMPDIR:
                places += [mount.target, mount.source]
        if not any(target == p.rstrip("/") or target.startswith(p.rstrip("/") + "/") for p in places):
            raise WorkflowException(f"output {os.path.basename(path)} is a symbolic link to {target}, outside the "
                                    f"output directory {self.builder.outdir} and the inputs")

    def get_from_requirements(self, r: Any, pull_image: bool, force_pull: bool, tmp_outdir_prefix: str,
                              image_base_path: str | None = None) -> str | None:
        if self._engine is None or self._image is None:
            return None
        return self._engine.image_ref(self._image.name)

    def append_volume(self, runtime: list[str], source: str, target: str,  # type: ignore[override]
                      writable: bool = False, skip_mkdirs: bool = False) -> None:
        """Collect a mount (cwltool's helpers call this for every staged path)."""
        self._mounts.append(Mount(source, target, writable))
        if not skip_mkdirs and not os.path.exists(source):
            os.makedirs(source)

    def create_runtime(self, env: MutableMapping[str, str], runtimeContext: RuntimeContext) -> tuple[list[str], None]:
        assert self._engine is not None
        self._mounts = []
        unused: list[str] = []
        self.append_volume(unused, os.path.realpath(self.outdir), self.builder.outdir, writable=True)
        self.append_volume(unused, os.path.realpath(self.tmpdir), self.CONTAINER_TMPDIR, writable=True)
        self.add_volumes(self.pathmapper, unused, any_path_okay=True, secret_store=runtimeContext.secret_store,
                         tmpdir_prefix=runtimeContext.tmpdir_prefix)
        if self.generatemapper is not None:
            required = bool(self.builder.get_requirement("DockerRequirement")[1])
            self.add_volumes(self.generatemapper, unused, any_path_okay=required,
                             secret_store=runtimeContext.secret_store, tmpdir_prefix=runtimeContext.tmpdir_prefix)
        spec = RunSpec(
            self._image.name if self._image else "",
            workdir=self.builder.outdir,
            mounts=list(self._mounts),
            env=dict(self.environment),
            user=None if runtimeContext.no_match_user else current_user(),
            network=bool(self.networkaccess),
            read_only_root=not runtimeContext.no_read_only,
            gpus=int(self.builder.resources.get("cudaDeviceCount") or 0) or None,
        )
        if runtimeContext.strict_memory_limit:
            spec.memory = int(self.builder.resources["ram"] * MIB)
        if getattr(runtimeContext, "strict_cpu_limit", False):
            spec.cpus = float(math.ceil(self.builder.resources["cores"]))
        return self._engine.options(spec), None


class ContainerAwareTool(CommandLineTool):
    """A CommandLineTool whose container runs go through EngineJob."""

    def make_job_runner(self, runtimeContext: RuntimeContext) -> type[JobBase]:
        runner = super().make_job_runner(runtimeContext)
        if issubclass(runner, ContainerCommandLineJob):
            setattr(runtimeContext, DOCUMENT_DIR, _document_dir(self))
            return EngineJob
        return runner


def _document_dir(tool: Process) -> str:
    ident = str(tool.tool.get("id", ""))
    path = ident.split("#", 1)[0]
    if path.startswith("file://"):
        return os.path.dirname(path[len("file://"):])
    return ""


def make_tool_object(toolpath_object: CommentedMap, loadingContext: LoadingContext) -> Process:  # noqa: N803
    """cwltool's tool factory, with ContainerAwareTool for CommandLineTools."""
    if isinstance(toolpath_object, MutableMapping) and toolpath_object.get("class") == "CommandLineTool":
        return ContainerAwareTool(toolpath_object, loadingContext)
    return default_make_tool(toolpath_object, loadingContext)


def use_container_jobs(loading_context: LoadingContext) -> LoadingContext:
    loading_context.construct_tool_object = make_tool_object
    return loading_context


def prepare_image(tool: Process, options: Any) -> None:
    """Make the image a tool runs in present here (the leader does this when jobs run on its machine)."""
    requirement, _ = tool.get_requirement("DockerRequirement")
    if requirement is None and options.default_container:
        requirement = {"class": "DockerRequirement", "dockerPull": options.default_container}
    if requirement is None or any("$(" in str(v) or "${" in str(v) for v in requirement.values()):
        return
    engine = engine_named("singularity" if options.singularity else "podman" if options.podman else "docker")
    ensure_image(engine, image_source(requirement, base=_document_dir(tool)))
