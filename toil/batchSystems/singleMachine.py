"""Toil's ``toil.batchSystems.singleMachine`` import path: the batch system of this machine."""

from toil.batch.machine import machine_cores
from toil.batch.single_machine import SingleMachineBatchSystem

# Toil's class attribute: the cores this machine gives jobs.
SingleMachineBatchSystem.numCores = int(machine_cores())  # type: ignore[attr-defined]

__all__ = ["SingleMachineBatchSystem"]
