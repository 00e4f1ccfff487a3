"""The WES response documents, built from what the state store and the run directory hold."""

from __future__ import annotations

import os
import platform
from collections import Counter
from pathlib import Path
from typing import Any

from toil.server.layout import RunPaths
from toil.server.states import State
from toil.server.store import StateStore
from toil.server.submission import WORKFLOW_TYPES
from toil.version import version

_REQUEST_FIELDS = ("workflow_params", "workflow_type", "workflow_type_version", "tags",
                   "workflow_engine_parameters", "workflow_url")


def service_info(store: StateStore, default_engine_options: list[str], auth: bool) -> dict[str, Any]:
    counts = Counter(store.state(run_id).value for run_id in store.run_ids())
    return {
        "id": "org.toil.wes",
        "name": "Toil WES",
        "type": {"group": "org.ga4gh", "artifact": "wes", "version": "1.1.0"},
        "description": "GA4GH Workflow Execution Service for CWL, WDL and Toil Python workflows.",
        "organization": {"name": "Toil", "url": "https://github.com/DataBiosphere/toil"},
        "version": version,
        "workflow_type_versions": {kind: {"workflow_type_version": list(versions)}
                                   for kind, versions in WORKFLOW_TYPES.items()},
        "supported_wes_versions": ["1.0.0", "1.1.0"],
        "supported_filesystem_protocols": ["file", "http", "https", "s3"],
        "workflow_engine_versions": {"toil": version, "python": platform.python_version()},
        "default_workflow_engine_parameters": [
            {"name": option.split("=", 1)[0], "type": "string",
             "default_value": option.split("=", 1)[1] if "=" in option else ""}
            for option in default_engine_options],
        "system_state_counts": {state.value: counts.get(state.value, 0) for state in State},
        "auth_instructions_url": "https://toil.readthedocs.io/en/latest/running/server/wes.html"
                                 if auth else "",
        "tags": {"runner_versions": version},
    }


def _tail(path: Path, lines: int) -> list[str]:
    try:
        with open(path, errors="replace") as handle:
            return [line.rstrip("\n") for line in handle.readlines()[-lines:]]
    except OSError:
        return []


def task_logs(paths: RunPaths) -> list[dict[str, Any]]:
    """One task log per job log the engine wrote (--writeLogs), with the end of its text."""
    if not paths.task_logs.is_dir():
        return []
    return [{"id": path.name, "name": path.stem, "system_logs": _tail(path, 20)}
            for path in sorted(paths.task_logs.iterdir()) if path.is_file()]


PROGRESS_MARK = "Progress: "


def last_progress(path: Path, window: int = 64 * 1024) -> str | None:
    """The engine's last progress summary in a run's stderr (``--progressInterval``), if it wrote one."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - window))
            text = handle.read().decode(errors="replace")
    except OSError:
        return None
    at = text.rfind(PROGRESS_MARK)
    return text[at + len(PROGRESS_MARK):].split("\n", 1)[0].strip() if at >= 0 else None


def run_log(store: StateStore, work_dir: Path, run_id: str, base_url: str) -> dict[str, Any]:
    request = store.read(run_id, "request") or {}
    log = store.read(run_id, "log") or {}
    paths = RunPaths(work_dir / run_id)
    state = store.state(run_id)
    return {
        "run_id": run_id,
        "request": {key: request.get(key) for key in _REQUEST_FIELDS},
        "state": state.value,
        "run_log": {
            "name": log.get("name", run_id), "cmd": log.get("cmd", []),
            "start_time": log.get("start_time"), "end_time": log.get("end_time"),
            "stdout": f"{base_url}/runs/{run_id}/stdout", "stderr": f"{base_url}/runs/{run_id}/stderr",
            "exit_code": log.get("exit_code"), "system_logs": log.get("system_logs", []),
        },
        "task_logs_url": None,
        "report_url": f"{base_url}/runs/{run_id}/report",
        "progress": last_progress(paths.stderr),
        "task_logs": task_logs(paths),
        "outputs": store.read(run_id, "outputs") or {},
    }
