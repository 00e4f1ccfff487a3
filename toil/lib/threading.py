"""Toil's ``toil.lib.threading`` import path: how many cores this process may use."""

from toil.batch.machine import machine_cores


def cpu_count() -> int:
    """The cores this process may use (CPU affinity, capped by a cgroup CPU quota)."""
    return int(machine_cores())


__all__ = ["cpu_count"]
