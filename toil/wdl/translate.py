"""The pieces every WDL job shares: where its document is, its environment, its fragments.

Every job of toil.wdl except TaskJob is ``local``: it evaluates a little WDL inside the
leader and grows the graph (toil.wdl.section plans a list of workflow nodes). Only task
calls become batch jobs (toil.wdl.task.TaskJob).

Values flow as *fragments*: a job returns the bindings it produced, as an EnvData dict, a
list of fragments, or a Gathered (a scatter's iterations, turned into arrays by whoever
reads them), any of them possibly promises that the core resolves when a consumer starts.
A node that depends on other nodes is added as a follow-on of each of them, so it runs
once their whole subtrees are done; a node's own work is always in its children, never
in its follow-ons.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import WDL

from toil.core.job import Job
from toil.wdl import values
from toil.wdl.dirs import import_directory
from toil.wdl.evaluate import WdlRuntimeError, gathered_names
from toil.wdl.files import file_uri, group_of, is_job_store_file, is_url
from toil.wdl.load import document_for, find_workflow
from toil.wdl.stdlib import WorkflowStdLib, source_dir_of
from toil.wdl.values import EnvData

Fragment = Any  # EnvData | list[Fragment] | Gathered, promises included


@dataclass
class Gathered:
    """A scatter's result: one fragment per iteration, gathered into arrays when read."""

    node_id: str
    iterations: list[Any]


def flatten(fragment: Fragment, workflow: WDL.Tree.Workflow) -> EnvData:
    """Merge a fragment tree into one EnvData (later parts win), gathering scatters."""
    if isinstance(fragment, dict):
        return fragment
    if isinstance(fragment, Gathered):
        scatter = workflow.get_node(fragment.node_id)
        assert isinstance(scatter, WDL.Tree.Scatter)
        return gather(scatter, [flatten(f, workflow) for f in fragment.iterations])
    merged: EnvData = {}
    for part in fragment or []:
        merged.update(flatten(part, workflow))
    return merged


def gather(scatter: WDL.Tree.Scatter, iterations: list[EnvData]) -> EnvData:
    """Arrays of every name the scatter's body binds (empty ones for an empty scatter)."""
    gathered: EnvData = {}
    for name, item_type in gathered_names(scatter).items():
        items = [values.decode(iteration[name]) for iteration in iterations if name in iteration]
        gathered[name] = values.encode(WDL.Value.Array(item_type, items))
    return gathered


class Where:
    """Which workflow a job works on: the stored bundle and the document's path in it.

    The runner's options (container engine, limits, --allCallOutputs) are not here: they are
    the workflow's settings (WorkflowSettings.frontend), read from the job's file store.
    """

    def __init__(self, bundle: str, doc_path: str) -> None:
        self.bundle = bundle
        self.doc_path = doc_path


class WdlJob(Job):
    """A job that runs inside the leader on one workflow's document."""

    def __init__(self, where: Where, label: str, **kwargs: Any) -> None:
        super().__init__(local=True, unitName=label, displayName=label, **kwargs)
        self.where = where

    def workflow(self) -> WDL.Tree.Workflow:
        return find_workflow(document_for(self.fileStore, self.where.bundle), self.where.doc_path)

    def stdlib(self) -> WorkflowStdLib:
        return WorkflowStdLib(self.workflow().effective_wdl_version, self.fileStore, source_dir_of(self.where.doc_path))

    def flatten(self, fragment: Fragment) -> EnvData:
        return flatten(fragment, self.workflow())

    def import_local_files(self, data: values.Encoded, optional: bool) -> values.Encoded:
        """Put files that a workflow expression named by local path into the job store."""

        def store(path: str) -> str | None:
            if is_job_store_file(path) or is_url(path):
                return path
            try:
                file_id = self.fileStore.importFile(path)
            except (OSError, ValueError):
                if optional:
                    return None
                raise WdlRuntimeError(f"File not found: {path}") from None
            return file_uri(str(file_id), os.path.basename(path.rstrip("/")), group_of(path))

        def store_dir(path: str) -> str | None:
            if is_job_store_file(path) or is_url(path):
                return path
            if not os.path.isdir(path):
                if optional:
                    return None
                raise WdlRuntimeError(f"Directory not found: {path}")
            return import_directory(path, self.fileStore.importFile)

        return values.map_files(data, store, store_dir)


class NodeJob(WdlJob):
    """One workflow node; sees the section's environment plus its dependencies' fragments."""

    def __init__(self, where: Where, node_id: str, inputs: EnvData, label: str, **kwargs: Any) -> None:
        super().__init__(where, label, **kwargs)
        self.node_id = node_id
        self.inputs = inputs
        self.env: EnvData = {}
        self.parts: list[Any] = []

    def node(self) -> Any:
        return self.workflow().get_node(self.node_id)

    def full_env(self) -> EnvData:
        return values.merge(self.env, self.flatten(self.parts))
