"""Name -> implementation for job stores and batch systems, imported only when used.

The core drives job stores and batch systems through their contracts and reaches an
implementation only by name, here: built-ins by dotted path, third parties through the
``toil.batch_systems`` / ``toil.job_stores`` entry-point groups.
"""

from __future__ import annotations

import argparse
import functools
import importlib
from collections.abc import Callable
from importlib.metadata import EntryPoint, EntryPoints, entry_points
from typing import Protocol, runtime_checkable

from toil.core.batchsystem import AbstractBatchSystem
from toil.core.jobstore import AbstractJobStore, parse_locator

DEFAULT_BATCH_SYSTEM = "single_machine"
BATCH_SYSTEMS: dict[str, str] = {
    "single_machine": "toil.batch.single_machine:SingleMachineBatchSystem",
    "slurm": "toil.batch.slurm:SlurmBatchSystem",
    "grid_engine": "toil.batch.grid_engine:GridEngineBatchSystem",
    "lsf": "toil.batch.lsf:LSFBatchSystem",
    "torque": "toil.batch.torque:TorqueBatchSystem",
    "htcondor": "toil.batch.htcondor:HTCondorBatchSystem",
    "inline": "toil.batch.inline:InlineBatchSystem",  # a test double: jobs run in the leader's process
}
# Toil's spellings of the same names.
BATCH_SYSTEM_ALIASES: dict[str, str] = {
    "singleMachine": "single_machine",
    "single-machine": "single_machine",
    "gridEngine": "grid_engine",
    "gridengine": "grid_engine",
    "grid-engine": "grid_engine",
    "sge": "grid_engine",
    "LSF": "lsf",
    "Lsf": "lsf",
    "Torque": "torque",
    "pbs": "torque",
    "htCondor": "htcondor",
    "HTCondor": "htcondor",
    "condor": "htcondor",
    "Slurm": "slurm",
}

JOB_STORES: dict[str, str] = {
    "file": "toil.stores.file:FileJobStore",
    "aws": "toil.stores.s3:S3JobStore",
    "memory": "toil.stores.memory:MemoryJobStore",  # a test double: one process only
}

# What adds each built-in's command-line options, in a module far lighter than the plugin's own:
# every command lists every plugin's options, and importing them all slowed every start.
OPTION_HOOKS: dict[str, str] = {
    "single_machine": "toil.batch.single_machine:add_options",
    "slurm": "toil.batch.grid_options:add_slurm_options",
    "grid_engine": "toil.batch.grid_options:add_grid_engine_options",
    "lsf": "toil.batch.grid_options:add_grid_options",
    "torque": "toil.batch.grid_options:add_grid_options",
    "htcondor": "toil.batch.grid_options:add_grid_options",
    "aws": "toil.stores.options:add_s3_options",
    "inline": "toil.batch.inline:add_options",
}


class UnknownPluginError(ValueError):
    pass


def _load(path: str) -> object:
    module_name, _, attr = path.partition(":")
    loaded: object = getattr(importlib.import_module(module_name), attr)
    return loaded


class _EntryPointGroups(Protocol):
    def select(self, *, group: str) -> EntryPoints: ...


@functools.cache
def _installed_entry_points() -> _EntryPointGroups:
    return entry_points()  # reads every installed package's metadata: once a process, for all groups


def _entry_points(group: str) -> tuple[EntryPoint, ...]:
    """Third-party plugins of a group."""
    return tuple(_installed_entry_points().select(group=group))


def _loaded(entry_point: EntryPoint) -> object:
    loaded: object = entry_point.load()
    return loaded


def _batch_system(loaded: object, name: str) -> type[AbstractBatchSystem]:
    if isinstance(loaded, type) and issubclass(loaded, AbstractBatchSystem):
        return loaded
    raise UnknownPluginError(f"The batch system '{name}' is registered as {loaded!r}, not a batch system class.")


def _job_store(loaded: object, kind: str) -> type[AbstractJobStore]:
    if isinstance(loaded, type) and issubclass(loaded, AbstractJobStore):
        return loaded
    raise UnknownPluginError(f"The job store kind '{kind}' is registered as {loaded!r}, not a job store class.")


#: Batch systems registered at run time (Toil's ``registry.add_batch_system_factory``): name ->
#: a function returning the class, called when the batch system is first asked for.
_FACTORIES: dict[str, Callable[[], type[AbstractBatchSystem]]] = {}


def add_batch_system_factory(name: str, factory: Callable[[], type[AbstractBatchSystem]]) -> None:
    """Register a batch system by name in this process (a built-in's name is refused)."""
    if name in BATCH_SYSTEMS or name in BATCH_SYSTEM_ALIASES:
        raise UnknownPluginError(f"The batch system name '{name}' is taken by a built-in one.")
    _FACTORIES[name] = factory


def batch_system_names() -> list[str]:
    names = set(BATCH_SYSTEMS) | set(_FACTORIES)
    names.update(ep.name for ep in _entry_points("toil.batch_systems"))
    return sorted(names)


def _add_options_of(path: str, parser: argparse.ArgumentParser) -> None:
    add_options = _load(path)
    if not callable(add_options):
        raise UnknownPluginError(f"The option hook {path} is not a function.")
    add_options(parser)


def add_plugin_options(parser: argparse.ArgumentParser) -> None:
    """Every batch system's and job store's options (built-ins without importing them)."""
    for name in batch_system_names():
        if name in OPTION_HOOKS:
            _add_options_of(OPTION_HOOKS[name], parser)
        else:
            batch_system_class(name).add_options(parser)
    for ep in _entry_points("toil.job_stores"):
        if ep.name not in JOB_STORES:
            _job_store(_loaded(ep), ep.name).add_options(parser)
    for kind in JOB_STORES:
        if kind in OPTION_HOOKS:
            _add_options_of(OPTION_HOOKS[kind], parser)


def batch_system_class(name: str) -> type[AbstractBatchSystem]:
    """Return the batch-system class registered under name."""
    name = BATCH_SYSTEM_ALIASES.get(name, name)
    if name in BATCH_SYSTEMS:
        return _batch_system(_load(BATCH_SYSTEMS[name]), name)
    if name in _FACTORIES:
        return _batch_system(_FACTORIES[name](), name)
    for ep in _entry_points("toil.batch_systems"):
        if ep.name == name:
            return _batch_system(_loaded(ep), name)
    raise UnknownPluginError(f"Unknown batch system '{name}' (choose from {', '.join(batch_system_names())}).")


def runs_jobs_here(name: str | None) -> bool:
    """Tell whether the named batch system (None: the default) runs jobs on this machine.

    An unknown name is False here: building the Toil context says what is wrong with it.
    """
    try:
        return batch_system_class(name or DEFAULT_BATCH_SYSTEM).runs_jobs_here()
    except UnknownPluginError:
        return False


def job_store_class(kind: str) -> type[AbstractJobStore]:
    """Return the job-store class for a locator kind ('file', 'aws', ...)."""
    if kind in JOB_STORES:
        return _job_store(_load(JOB_STORES[kind]), kind)
    for ep in _entry_points("toil.job_stores"):
        if ep.name == kind:
            return _job_store(_loaded(ep), kind)
    raise UnknownPluginError(f"Unknown job store kind '{kind}'.")


URL_REGISTRY = "toil.stores.urls"


@runtime_checkable
class URLRegistry(Protocol):
    """What the URL registry module offers the core (toil.core.files)."""

    def import_url(self, store: AbstractJobStore, url: str, link: bool = False) -> tuple[str, int]: ...

    def export_url(self, store: AbstractJobStore, file_id: str, url: str, link: bool = False,
                   move: bool = False) -> None: ...


def url_registry() -> URLRegistry:
    """The module that imports and exports URLs (file, http(s), s3 ...)."""
    registry = importlib.import_module(URL_REGISTRY)
    if not isinstance(registry, URLRegistry):
        raise UnknownPluginError(f"{URL_REGISTRY} does not import and export URLs")
    return registry


def open_job_store(locator: str) -> AbstractJobStore:
    """Build (but neither create nor resume) the job store a locator names."""
    kind, rest = parse_locator(locator)
    return job_store_class(kind)(locator, rest)
