"""Name -> implementation for job stores and batch systems, imported only when used.

The core drives job stores and batch systems through their contracts and reaches an
implementation only by name, here: built-ins by dotted path, third parties through the
``toil.batch_systems`` / ``toil.job_stores`` entry-point groups.
"""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import EntryPoint, entry_points
from typing import Any

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


def _load(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


@functools.cache
def _installed_entry_points() -> Any:
    return entry_points()  # reads every installed package's metadata: once a process, for all groups


def _entry_points(group: str) -> tuple[EntryPoint, ...]:
    """Third-party plugins of a group."""
    return tuple(_installed_entry_points().select(group=group))


def batch_system_names() -> list[str]:
    names = set(BATCH_SYSTEMS)
    names.update(ep.name for ep in _entry_points("toil.batch_systems"))
    return sorted(names)


def add_plugin_options(parser: Any) -> None:
    """Every batch system's and job store's options (built-ins without importing them)."""
    for name in batch_system_names():
        if name in OPTION_HOOKS:
            _load(OPTION_HOOKS[name])(parser)
        else:
            batch_system_class(name).add_options(parser)
    for ep in _entry_points("toil.job_stores"):
        if ep.name not in JOB_STORES:
            ep.load().add_options(parser)
    for kind in JOB_STORES:
        if kind in OPTION_HOOKS:
            _load(OPTION_HOOKS[kind])(parser)


def batch_system_class(name: str) -> Any:
    """Return the batch-system class registered under name."""
    name = BATCH_SYSTEM_ALIASES.get(name, name)
    if name in BATCH_SYSTEMS:
        return _load(BATCH_SYSTEMS[name])
    for ep in _entry_points("toil.batch_systems"):
        if ep.name == name:
            return ep.load()
    raise UnknownPluginError(f"Unknown batch system '{name}' (choose from {', '.join(batch_system_names())}).")


def job_store_class(kind: str) -> Any:
    """Return the job-store class for a locator kind ('file', 'aws', ...)."""
    if kind in JOB_STORES:
        return _load(JOB_STORES[kind])
    for ep in _entry_points("toil.job_stores"):
        if ep.name == kind:
            return ep.load()
    raise UnknownPluginError(f"Unknown job store kind '{kind}'.")


URL_REGISTRY = "toil.stores.urls"


def url_registry() -> Any:
    """The module that imports and exports URLs (file, http(s), s3 ...)."""
    return importlib.import_module(URL_REGISTRY)


def open_job_store(locator: str) -> Any:
    """Build (but neither create nor resume) the job store a locator names."""
    from toil.core.jobstore import parse_locator

    kind, rest = parse_locator(locator)
    return job_store_class(kind)(locator, rest)
