"""A task's ``runtime`` section: job requirements, return codes, retries and containers."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from typing import Any

import WDL

GIB = 1024**3
#: the units of a WDL size string (``memory: "4 GiB"``): K/KB are 1000 bytes, Ki/KiB 1024, and so on up to T
BYTE_UNITS = {"B": 1, **{
    prefix + suffix: base**power
    for power, prefix in enumerate("KMGT", start=1)
    for suffix, base in (("", 1000), ("B", 1000), ("i", 1024), ("iB", 1024))
}}
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
        return parse_byte_size(str(value))
    except ValueError as e:
        raise RuntimeValueError(f"runtime memory {value!r} is not a size: {e}") from None


def parse_byte_size(text: str) -> int:
    """Bytes in ``"2000"``, ``"4G"``, ``"1.5 TiB"``: a number, then maybe one of BYTE_UNITS (as miniwdl reads them)."""
    text = text.strip()
    run = re.match(r"[\d.]*", text)
    number = run.group(0) if run else ""
    if not re.fullmatch(r"\d+(\.\d*)?", number):
        raise ValueError(f"invalid byte size string, {text}")
    size = float(number)
    unit = text[len(number):].lstrip()
    if size and unit:  # as miniwdl: a zero size is zero whatever the unit says
        if unit not in BYTE_UNITS:
            raise ValueError(f"invalid byte size string, {text}")
        size *= BYTE_UNITS[unit]
    return int(size)


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


def requirements(runtime: dict[str, Any], limits: dict[str, Any] | None = None,
                 note: Callable[[str, float, float], None] | None = None) -> dict[str, Any]:
    """Job requirements from plain runtime values, clamped to limits (cores/memory/disk) if given.

    ``note(kind, asked, given)`` hears of cores or memory clamped.
    """
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
            if found[name] > limit and note is not None and name in ("cores", "memory"):
                note(name, found[name], limit)
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


def names_image(tasks: list[WDL.Tree.Task]) -> bool:
    """Whether any task's runtime section names a container image."""
    return any(key in task.runtime for task in tasks for key in ("docker", "container"))


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
