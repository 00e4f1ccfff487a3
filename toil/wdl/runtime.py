"""A task's ``runtime`` section: job requirements, return codes, retries and containers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

import WDL
from WDL import _util as wdl_util

GIB = 1024**3
ENGINES = ("docker", "podman", "singularity")
_DISK_UNITS = {"": GIB, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
               "KIB": 1024, "MIB": 1024**2, "GIB": GIB, "TIB": 1024**4, "K": 1000, "M": 1000**2,
               "G": 1000**3, "T": 1000**4}


class RuntimeValueError(ValueError):
    """A runtime attribute that cannot be understood."""


def plain(value: WDL.Value.Base | None) -> Any:
    """The Python value of a runtime attribute (null -> None)."""
    if value is None or isinstance(value, WDL.Value.Null):
        return None
    return value.json


def parse_memory(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    try:
        return int(wdl_util.parse_byte_size(str(value)))
    except (ValueError, TypeError, AssertionError) as e:
        raise RuntimeValueError(f"runtime memory {value!r} is not a size: {e}") from None


def parse_disks(value: Any) -> int | None:
    """Bytes asked for by ``disks``: ``local-disk 10 SSD``, ``/mnt 5 HDD``, ``10 GiB``, ``10``, or a list."""
    if value is None:
        return None
    specs = value if isinstance(value, list) else str(value).split(",")
    total = 0
    for spec in specs:
        total += _one_disk(spec)
    return total or None


def _one_disk(spec: Any) -> int:
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return int(spec * GIB)
    words = str(spec).split()
    sizes = [w for w in words if re.fullmatch(r"\d+(\.\d+)?", w)]
    if not sizes:
        raise RuntimeValueError(f"runtime disks {spec!r} names no size")
    size = float(sizes[0])
    after = words[words.index(sizes[0]) + 1:] if sizes[0] in words else []
    unit = after[0].upper() if after and after[0].upper() in _DISK_UNITS else ""
    return int(size * _DISK_UNITS[unit])


def parse_cores(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RuntimeValueError(f"runtime cpu {value!r} is not a number") from None


def accelerators(runtime: dict[str, Any]) -> list[dict[str, Any]] | None:
    gpu = runtime.get("gpu")
    count = runtime.get("gpuCount") or runtime.get("nvidiaGpus") or runtime.get("acceleratorCount")
    if gpu is True or (gpu is None and count):
        return [{"kind": "gpu", "count": int(count or 1)}]
    return None


def requirements(runtime: dict[str, Any], limits: dict[str, Any] | None = None) -> dict[str, Any]:
    """Job requirements from plain runtime values, clamped to limits (cores/memory/disk) if given."""
    found: dict[str, Any] = {
        "cores": parse_cores(runtime.get("cpu")),
        "memory": parse_memory(runtime.get("memory")),
        "disk": parse_disks(runtime.get("disks") if runtime.get("disks") is not None else runtime.get("disk")),
        "accelerators": accelerators(runtime),
    }
    preemptible = runtime.get("preemptible")
    if preemptible is not None:
        found["preemptible"] = bool(preemptible) and str(preemptible).lower() not in ("false", "0")
    for name, limit in (limits or {}).items():
        if found.get(name) is not None and limit is not None:
            found[name] = min(found[name], limit)
    return {name: value for name, value in found.items() if value is not None}


def return_codes(runtime: dict[str, Any]) -> set[int] | None:
    """Accepted exit statuses; None accepts any (``returnCodes: "*"``)."""
    codes = runtime.get("returnCodes", runtime.get("return_codes", 0))
    if codes == "*":
        return None
    if isinstance(codes, list):
        return {int(code) for code in codes}
    return {int(codes)}


def max_retries(runtime: dict[str, Any]) -> int:
    value = runtime.get("maxRetries", runtime.get("max_retries", 0))
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        raise RuntimeValueError(f"runtime maxRetries {value!r} is not a number") from None


def image(runtime: dict[str, Any]) -> str | None:
    for key in ("container", "docker"):
        value = runtime.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)
    return None


_usable: dict[str, bool] = {}
_PROBES = {"docker": ["docker", "info"], "podman": ["podman", "info"], "singularity": ["singularity", "--version"]}


def engine_present(name: str) -> bool:
    """Whether an engine is installed *and* answers (a docker client without a daemon is not)."""
    if name not in _usable:
        usable = shutil.which(name) is not None
        if usable:
            try:
                probe = subprocess.run(_PROBES[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       timeout=20, check=False)
                usable = probe.returncode == 0
            except (OSError, subprocess.SubprocessError):
                usable = False
        _usable[name] = usable
    return _usable[name]


def choose_engine(option: str, wanted_image: str | None) -> str | None:
    """The container engine to run a task in, or None for the host.

    ``auto`` uses the first engine that works here when the task names an image; ``none``
    never uses one; a named engine (checked by the runner when it starts) is used for every
    task that names an image, and a task that names none runs on the host.
    """
    if option == "none" or not wanted_image:
        return None
    if option == "auto":
        return first_engine()
    return option


def first_engine() -> str | None:
    return next((name for name in ENGINES if engine_present(name)), None)


def names_image(tasks: list[WDL.Tree.Task]) -> bool:
    """Whether any task's runtime section names a container image."""
    return any(key in task.runtime for task in tasks for key in ("docker", "container"))


def container_argv(engine: str, wanted_image: str, task_dir: str, script: str) -> list[str]:
    """The command that runs script (in task_dir, mounted at the same path) in the image."""
    work = os.path.join(task_dir, "work")
    if engine == "singularity":
        return ["singularity", "exec", "--bind", f"{task_dir}:{task_dir}", "--pwd", work,
                f"docker://{wanted_image}", "bash", script]
    return [engine, "run", "--rm", "-v", f"{task_dir}:{task_dir}", "-w", work, "--user",
            f"{os.getuid()}:{os.getgid()}", wanted_image, "bash", script]


def host_limits(options: dict[str, Any]) -> dict[str, Any]:
    """What one machine can give a task (used to clamp requests on single_machine, like miniwdl)."""
    cores = options.get("maxCores") or float(os.cpu_count() or 1)
    memory = options.get("maxMemory")
    if memory is None:
        try:
            memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError):
            memory = None
    disk = options.get("maxDisk")
    if disk is None:
        disk = shutil.disk_usage(options.get("workDir") or "/tmp").free
    return {"cores": cores, "memory": memory, "disk": disk}
