"""The runner's options reach CWL jobs through the workflow's settings, not through their bodies."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from toil.core.settings import WorkflowSettings
from toil.cwl.load import ProcessRef
from toil.cwl.tool import RunOptions
from toil.cwl.translate import ToolJob


def test_options_round_trip_through_the_settings_json() -> None:
    options = RunOptions(no_container=True, preserve_environment=["A"], max_memory=1 << 30, log_dir="/logs")
    settings = WorkflowSettings(workflow_id="w", frontend=options.to_json())
    read = WorkflowSettings.from_json(settings.to_json())
    assert RunOptions.from_json(read.frontend) == options
    assert RunOptions.from_json({**options.to_json(), "from_a_later_version": 1}) == options


def test_settings_saved_before_the_front_end_section_read_back_empty() -> None:
    data = json.loads(WorkflowSettings(workflow_id="w").to_json())
    del data["frontend"]
    assert WorkflowSettings.from_json(json.dumps(data).encode()).frontend == {}


def _job() -> ToolJob:
    return ToolJob(ProcessRef("doc", (), False, None), {}, ["out"], "tool", {})


def test_a_job_reads_the_options_from_its_file_store_not_its_body() -> None:
    job = _job()
    assert "options" not in vars(job)
    store: Any = SimpleNamespace(frontend_settings=RunOptions(no_container=True, eval_timeout=5).to_json())
    assert job.run_options(store) == RunOptions(no_container=True, eval_timeout=5)


def test_a_body_pickled_with_its_options_keeps_them() -> None:
    job = _job()
    job.options = RunOptions(singularity=True)  # type: ignore[attr-defined]  # as bodies were pickled before
    assert job.run_options(SimpleNamespace(frontend_settings={})).singularity  # type: ignore[arg-type]
