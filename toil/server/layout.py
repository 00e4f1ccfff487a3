"""Where a run's files live inside its run directory ``WORK_DIR/RUN_ID``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: the workflow parameters, next to the attachments so relative paths in them resolve there
INPUTS_NAME = ".wes-inputs.json"


@dataclass(frozen=True)
class RunPaths:
    root: Path

    @property
    def workflow(self) -> Path:
        """Attachments and the parameters; the working directory of the run."""
        return self.root / "workflow"

    @property
    def inputs(self) -> Path:
        return self.workflow / INPUTS_NAME

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def jobstore(self) -> Path:
        return self.root / "jobstore"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def task_logs(self) -> Path:
        return self.root / "task-logs"

    @property
    def report(self) -> Path:
        """The run's HTML report (the engine's --report; ``toil report`` while it runs)."""
        return self.root / "report.html"

    @property
    def stdout(self) -> Path:
        return self.root / "stdout.txt"

    @property
    def stderr(self) -> Path:
        return self.root / "stderr.txt"
