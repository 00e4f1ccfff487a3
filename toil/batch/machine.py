"""What this machine can give jobs: cores, memory, free disk and GPUs."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess


def machine_cores() -> float:
    """Return the cores this process may use: CPU affinity, capped by a cgroup v2 CPU quota."""
    try:
        cores: float = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    with contextlib.suppress(OSError, ValueError):
        with open("/sys/fs/cgroup/cpu.max") as handle:
            quota, period = handle.read().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    return cores


def machine_memory() -> int:
    """Return physical memory in bytes, capped by a cgroup v2 memory limit."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    with contextlib.suppress(OSError, ValueError):
        with open("/sys/fs/cgroup/memory.max") as handle:
            limit = handle.read().strip()
        if limit != "max":
            memory = min(memory, int(limit))
    return memory


def free_disk(path: str) -> int:
    """Return the free bytes on the filesystem holding path (or its nearest existing parent)."""
    path = os.path.abspath(path)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return shutil.disk_usage(path).free


def visible_gpus() -> int:
    """Count the NVIDIA GPUs ``nvidia-smi -L`` lists; 0 without nvidia-smi."""
    program = shutil.which("nvidia-smi")
    if program is None:
        return 0
    try:
        listing = subprocess.run([program, "-L"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in listing.stdout.splitlines() if line.startswith("GPU "))
