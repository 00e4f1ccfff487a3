"""Toil's ``toil.batchSystems.registry`` import path: batch systems by name, and adding one.

``add_batch_system_factory(name, factory)`` takes a function returning a batch-system class. A
class written against Toil's API (``toil.batchSystems.abstractBatchSystem``) runs on our core
through an adapter made here; a class of our own contract (``toil.core.batchsystem``) is used
as it is. Then ``--batchSystem NAME`` (or ``options.batchSystem = NAME``) selects it.
"""

from __future__ import annotations

import sys
import uuid
from argparse import ArgumentParser
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from toil.batchSystems import abstractBatchSystem as toil_api
from toil.core import batchsystem as core
from toil.core import plugins


class _JobDescriptionView:
    """What a Toil plugin reads of the job it is given (Toil's ``JobDescription`` as a ``Requirer``)."""

    def __init__(self, spec: core.BatchJobSpec) -> None:
        req = spec.requirements
        self.jobStoreID = spec.job_id
        self.jobName = self.displayName = self.unitName = spec.name
        self.cores, self.memory, self.disk = req.cores, req.memory, req.disk
        self.accelerators = [a.to_dict() for a in req.accelerators]
        self.preemptible = req.preemptible

    def requirements_string(self) -> str:
        return f"{self.cores} cores, {self.memory} bytes of memory, {self.disk} bytes of disk"

    def __str__(self) -> str:
        return f"'{self.jobName}' {self.jobStoreID}"


def _plugin_config(settings: core.BatchSystemSettings) -> SimpleNamespace:
    """The Config a Toil plugin is built with: the options, and the names Toil's Config has."""
    config = SimpleNamespace(**vars(settings.options))
    config.workflowID = getattr(config, "workflowID", None) or uuid.uuid4().hex[:16]
    config.workDir = settings.work_dir
    config.jobStore = settings.job_store or getattr(config, "jobStore", "")
    config.coordination_dir = getattr(config, "coordinationDir", None)
    config.cleanWorkDir = getattr(config, "cleanWorkDir", "always")
    config.batch_logs_dir = getattr(config, "batchLogsDir", None)
    return config


def _adapter(plugin_class: type[toil_api.AbstractBatchSystem]) -> type[core.AbstractBatchSystem]:
    """Our batch-system contract, carried out by an instance of a Toil plugin class."""

    class ToilPluginAdapter(core.AbstractBatchSystem):
        def __init__(self, settings: core.BatchSystemSettings) -> None:
            limit = sys.maxsize
            self.plugin = plugin_class(  # type: ignore[call-arg]
                _plugin_config(settings), settings.max_cores or limit, settings.max_memory or limit,
                settings.max_disk or limit,
            )
            self.environment = getattr(self.plugin, "environment", {})

        @classmethod
        def add_options(cls, parser: ArgumentParser) -> None:
            plugin_class.add_options(parser)

        def check_resource_request(self, spec: core.BatchJobSpec) -> None:
            check = getattr(self.plugin, "check_resource_request", None)
            if check is not None:
                check(_JobDescriptionView(spec))

        def issueBatchJob(self, spec: core.BatchJobSpec) -> int:
            return self.plugin.issueBatchJob(spec.command, _JobDescriptionView(spec), dict(spec.environment))

        def killBatchJobs(self, jobIDs: list[int]) -> None:
            self.plugin.killBatchJobs(jobIDs)

        def getIssuedBatchJobIDs(self) -> list[int]:
            return self.plugin.getIssuedBatchJobIDs()

        def getRunningBatchJobIDs(self) -> dict[int, float]:
            return self.plugin.getRunningBatchJobIDs()

        def getUpdatedBatchJob(self, maxWait: float) -> core.UpdatedBatchJobInfo | None:
            return self.plugin.getUpdatedBatchJob(maxWait)  # type: ignore[arg-type]

        def shutdown(self) -> None:
            self.plugin.shutdown()

        def setEnv(self, name: str, value: str | None = None) -> None:
            self.plugin.setEnv(name, value)

        def supportsWorkerCleanup(self) -> bool:
            return plugin_class.supportsWorkerCleanup()

    ToilPluginAdapter.__name__ = ToilPluginAdapter.__qualname__ = f"{plugin_class.__name__}Adapter"
    return ToilPluginAdapter


def _core_class(loaded: Any) -> type[core.AbstractBatchSystem]:
    if isinstance(loaded, type) and issubclass(loaded, toil_api.AbstractBatchSystem):
        return _adapter(loaded)
    return loaded  # type: ignore[no-any-return]  # checked by the core's registry


def add_batch_system_factory(key: str, class_factory: Callable[[], type[Any]]) -> None:
    """Register a batch system (Toil's API or ours) under key, for this process."""
    plugins.add_batch_system_factory(key, lambda: _core_class(class_factory()))


def get_batch_systems() -> Sequence[str]:
    """The names of every batch system, built in, installed or registered."""
    return plugins.batch_system_names()


def get_batch_system(key: str) -> type[core.AbstractBatchSystem]:
    """The class behind a batch-system name (for a Toil plugin, its adapter)."""
    return plugins.batch_system_class(key)


__all__ = ["add_batch_system_factory", "get_batch_system", "get_batch_systems"]
