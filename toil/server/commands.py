"""The command line that runs a workflow: a runner's public entry point, never the engine's insides."""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from toil.server.layout import INPUTS_NAME, RunPaths
from toil.server.submission import python_arguments

logger = logging.getLogger(__name__)

_DOWNLOAD_LIMIT = 16 << 20


def _target(url: str, directory: Path) -> Path:
    name = PurePosixPath(urlparse(url).path).name or "workflow"
    target = directory / name
    return target if not target.exists() else directory / f"fetched-{name}"


def _download(url: str, directory: Path) -> Path:
    """Fetch a workflow document given by http(s) URL into the run's workflow directory."""
    target = _target(url, directory)
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read(_DOWNLOAD_LIMIT + 1)
    if len(data) > _DOWNLOAD_LIMIT:
        raise ValueError(f"the workflow at {url} is larger than {_DOWNLOAD_LIMIT} bytes")
    target.write_bytes(data)
    return target


def _download_s3(url: str, directory: Path) -> Path:
    """Fetch a workflow document from S3 (boto3's usual credentials and endpoint settings)."""
    import boto3

    parsed = urlparse(url)
    target = _target(url, directory)
    boto3.client("s3").download_file(parsed.netloc, parsed.path.lstrip("/"), str(target))
    return target


def workflow_location(request: dict[str, Any], paths: RunPaths) -> str:
    """The path or URL of the workflow document for the runner.

    toil-cwl-runner loads http(s) documents itself (so their relative imports work); the other
    runners get a local copy, as every runner does of an s3 document.
    """
    url: str = request["workflow_url"]
    scheme = urlparse(url).scheme.lower()
    if scheme == "file":
        return urlparse(url).path
    if scheme in ("http", "https"):
        return url if request["workflow_type"] == "CWL" else str(_download(url, paths.workflow))
    if scheme == "s3":
        return str(_download_s3(url, paths.workflow))
    if scheme:
        raise ValueError(f"unsupported workflow URL {url}")
    return str(paths.workflow / url)


#: Seconds between the progress summaries a run writes to its stderr (GetRunLog's ``progress``).
PROGRESS_INTERVAL = 10.0


def report_option(paths: RunPaths) -> list[str]:
    """--report into the run's directory, where plotly (which the report needs) is installed."""
    return [f"--report={paths.report}"] if importlib.util.find_spec("plotly") is not None else []


def refresh_report(paths: RunPaths, timeout: float = 120) -> None:
    """Write the run's report from its job store with ``toil report`` (nothing when there is no store)."""
    if not paths.jobstore.is_dir():
        return
    argv = [sys.executable, "-m", "toil.cli.main", "report", f"file:{paths.jobstore}", "-o", str(paths.report)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        logger.warning("toil server: could not make the report of %s: %s", paths.root.name, e)
        return
    if done.returncode != 0:
        logger.warning("toil server: could not make the report of %s: %s", paths.root.name, done.stderr.strip())


def command(request: dict[str, Any], paths: RunPaths) -> list[str]:
    """The argv that runs the run's workflow with its working directory at ``paths.workflow``."""
    kind = request["workflow_type"]
    workflow = workflow_location(request, paths)
    options = [f"--writeLogs={paths.task_logs}", f"--progressInterval={PROGRESS_INTERVAL:g}", *report_option(paths),
               *request.get("engine_options", [])]
    jobstore = f"file:{paths.jobstore}"
    if kind == "CWL":
        return [sys.executable, "-m", "toil.cwl.cli", f"--jobStore={jobstore}", *options,
                f"--outdir={paths.outputs}", workflow, str(paths.inputs)]
    if kind == "WDL":
        return [sys.executable, "-m", "toil.wdl.cli", f"--jobStore={jobstore}", *options,
                f"--outputDirectory={paths.outputs}", workflow, str(paths.inputs)]
    if kind == "py":
        return [sys.executable, workflow, jobstore, *options, *python_arguments(request["workflow_params"])]
    raise ValueError(f"unknown workflow type {kind!r}")


def _last_json_object(text: str) -> dict[str, Any] | None:
    """The last JSON object that starts a line of ``text`` (a runner prints its outputs last)."""
    decoder = json.JSONDecoder()
    found = None
    for match in re.finditer(r"^\{", text, re.MULTILINE):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            found = value
    return found


def collect_outputs(request: dict[str, Any], paths: RunPaths) -> dict[str, Any]:
    """The run's outputs: the runner's output JSON (CWL, WDL), or the files a py workflow wrote."""
    if request["workflow_type"] in ("CWL", "WDL"):
        try:
            text = paths.stdout.read_text(errors="replace")
        except FileNotFoundError:
            return {}
        return _last_json_object(text) or {}
    given = set(request.get("attachments", [])) | {INPUTS_NAME}
    outputs = {}
    for path in sorted(paths.workflow.rglob("*")):
        name = path.relative_to(paths.workflow).as_posix()
        if path.is_file() and not path.is_symlink() and name not in given:
            outputs[name] = path.as_uri()
    return outputs


def stderr_tail(paths: RunPaths, lines: int = 40) -> list[str]:
    try:
        with open(paths.stderr, errors="replace") as handle:
            return [line.rstrip("\n") for line in handle.readlines()[-lines:]]
    except FileNotFoundError:
        return []


def clean_scratch(paths: RunPaths) -> None:
    shutil.rmtree(paths.tmp, ignore_errors=True)
