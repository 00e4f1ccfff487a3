"""CWL requirements the runner maps onto the core: resources and containers."""

from __future__ import annotations

import copy
import functools
import logging
import os
from collections.abc import Callable
from typing import Any

from cwltool.process import Process

from toil.core.containers import ContainerError, working_engine

logger = logging.getLogger(__name__)
MIB = 1024 * 1024
DEFAULT_RAM_MIB = 256
DEFAULT_DISK_MIB = 2048


def job_requirements(resources: dict[str, Any] | None, max_cores: float | None = None,
                     max_memory: int | None = None, note: Callable[[str, float, float], None] | None = None,
                     ) -> dict[str, Any]:
    """Job requirements (cores, memory, disk in bytes) from cwltool's evaluated resources.

    Requests above what this machine (or --maxCores/--maxMemory) offers are capped, as
    cwltool runs them anyway; ``note(kind, asked, given)`` hears of each cap.
    """
    resources = resources or {}
    cores = float(resources.get("cores") or 1)
    memory = int(float(resources.get("ram") or DEFAULT_RAM_MIB) * MIB)
    disk_mib = float(resources.get("tmpdirSize") or 0) + float(resources.get("outdirSize") or 0)
    disk = int((disk_mib or DEFAULT_DISK_MIB) * MIB)
    cores_cap = max_cores if max_cores else float(os.cpu_count() or 1)
    memory_cap = max_memory if max_memory else machine_memory()
    if cores > cores_cap:
        if note is not None:
            note("cores", cores, cores_cap)
        cores = cores_cap
    if memory_cap and memory > memory_cap:
        if note is not None:
            note("memory", memory, memory_cap)
        memory = memory_cap
    return {"cores": cores, "memory": memory, "disk": min(disk, 64 * 1024 * MIB)}


@functools.lru_cache(maxsize=1)
def machine_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def has_resource_requirement(tool: Process) -> bool:
    requirement, _ = tool.get_requirement("ResourceRequirement")
    return requirement is not None


def required_container(tool: Process) -> bool:
    requirement, required = tool.get_requirement("DockerRequirement")
    return requirement is not None and bool(required)


def container_problem(tool: Process, no_container: bool, podman: bool = False, singularity: bool = False) -> str | None:
    """Why the tool cannot run here, or None: a container with no working engine to run it."""
    if no_container or tool.tool.get("class") != "CommandLineTool":
        return None
    requirement, _ = tool.get_requirement("DockerRequirement")
    if requirement is None:
        return None
    engine = "singularity" if singularity else "podman" if podman else "docker"
    try:
        working_engine(engine)
    except ContainerError as e:
        return f"{_short(tool)} has a DockerRequirement; {e} (rerun with --no-container to run it on the host)"
    return None


def without_required_container(tool: Process) -> Process:
    """A shallow copy of the tool whose DockerRequirement is only a hint (to run on the host)."""
    if not required_container(tool):
        return tool
    host = copy.copy(tool)
    host.requirements = [r for r in tool.requirements if r.get("class") != "DockerRequirement"]
    host.hints = [*tool.hints, *[r for r in tool.requirements if r.get("class") == "DockerRequirement"]]
    return host


def _short(tool: Process) -> str:
    ident = str(tool.tool.get("id", "tool"))
    return "Tool '" + ident.rsplit("/", 1)[-1].rsplit("#", 1)[-1] + "'"
