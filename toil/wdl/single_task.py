"""Running a document that has no workflow, only one task (as miniwdl and Toil allow)."""

from __future__ import annotations

from typing import Any

from toil.wdl.calls import task_requirements
from toil.wdl.load import document_for, find_task
from toil.wdl.task import TaskJob
from toil.wdl.translate import Fragment, WdlJob, Where
from toil.wdl.values import EnvData


class TaskWorkflowJob(WdlJob):
    """Run the document's one task with the workflow inputs as its inputs."""

    def __init__(self, where: Where, task_name: str, inputs: EnvData) -> None:
        super().__init__(where, task_name)
        self.task_name = task_name
        self.inputs = inputs

    def run(self, fileStore: Any) -> Fragment:
        task = find_task(document_for(fileStore, self.where.bundle), self.where.doc_path, self.task_name)
        requirements = task_requirements(self, task, self.inputs)
        job = TaskJob(self.where.bundle, self.where.doc_path, task.name, task.name, self.inputs,
                      prefix=False, **requirements)
        self.addChild(job)
        return job.rv()
