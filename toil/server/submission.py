"""Turn a WES ``POST /runs`` form into a checked run request, then lay it out in its run directory.

Everything is checked before anything is written: a bad request leaves no trace on disk.
"""

from __future__ import annotations

import json
import posixpath
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from toil.server.layout import INPUTS_NAME, RunPaths

_PY_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"

#: workflow type -> the versions of it we run
WORKFLOW_TYPES: dict[str, tuple[str, ...]] = {
    "CWL": ("v1.0", "v1.1", "v1.2"),
    "WDL": ("draft-2", "1.0", "1.1"),
    "py": tuple(sorted({"3", _PY_VERSION})),
}

#: engine options a client may set through workflow_engine_parameters (none of them chooses where
#: the run writes: the job store, output and log directories are the server's to choose)
SAFE_ENGINE_OPTIONS = frozenset({
    "logLevel", "logOff", "logCritical", "logError", "logWarning", "logInfo", "logDebug", "retryCount",
    "maxJobDuration", "maxCores", "maxMemory", "maxDisk", "defaultCores", "defaultMemory", "defaultDisk",
    "defaultPreemptible", "batchSystem", "maxJobs", "disableChaining", "caching", "workerReuse", "stats",
    "realTimeLogging", "maxLogFileSize", "no-container", "container", "eval-timeout", "on-error", "strict",
})

_OPTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_MAX_NAME = 1024


class RequestError(Exception):
    """A request the server refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Attachment:
    name: str  # a safe relative path
    stream: IO[bytes]


@dataclass
class RunRequest:
    workflow_type: str
    workflow_type_version: str
    workflow_url: str
    workflow_params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    engine_options: list[str] = field(default_factory=list)
    engine_parameters: dict[str, Any] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """The JSON-able request kept in the state store (attachments by name only)."""
        return {
            "workflow_type": self.workflow_type, "workflow_type_version": self.workflow_type_version,
            "workflow_url": self.workflow_url, "workflow_params": self.workflow_params, "tags": self.tags,
            "workflow_engine_parameters": self.engine_parameters, "engine_options": self.engine_options,
            "attachments": [a.name for a in self.attachments],
        }


def safe_relative_name(name: str) -> str:
    """The normalized relative path ``name``; refuse absolute paths, ``..`` and odd characters."""
    if not name or len(name) > _MAX_NAME or "\x00" in name or "\\" in name:
        raise RequestError(f"attachment name {name[:100]!r} is empty, too long or has a forbidden character")
    if name.startswith("/"):
        raise RequestError(f"attachment name {name[:100]!r} is an absolute path; give a relative name")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise RequestError(f"attachment name {name[:100]!r} leaves the run directory ('..' is not allowed)")
    normalized = posixpath.join(*parts)
    if normalized == INPUTS_NAME:
        raise RequestError(f"attachment name {INPUTS_NAME!r} is reserved for the workflow parameters")
    return normalized


def _json_object(form: Mapping[str, str], name: str) -> dict[str, Any]:
    text = form.get(name)
    if text is None or text.strip() == "":
        return {}
    try:
        value = json.loads(text)
    except ValueError as e:
        raise RequestError(f"{name} is not valid JSON: {e}") from None
    if not isinstance(value, dict):
        raise RequestError(f"{name} must be a JSON object, not {type(value).__name__}")
    return value


def _workflow_type(form: Mapping[str, str]) -> tuple[str, str]:
    given = form.get("workflow_type")
    version = form.get("workflow_type_version")
    if not given:
        raise RequestError("missing field workflow_type (one of: " + ", ".join(WORKFLOW_TYPES) + ")")
    kind = next((k for k in WORKFLOW_TYPES if k.lower() == given.strip().lower()), None)
    if kind is None:
        raise RequestError(f"unknown workflow_type {given[:100]!r}; supported: " + ", ".join(WORKFLOW_TYPES))
    if not version:
        raise RequestError(f"missing field workflow_type_version (for {kind}: {', '.join(WORKFLOW_TYPES[kind])})")
    normalized = _normalized_version(kind, version.strip())
    if normalized is None:
        raise RequestError(f"unsupported {kind} version {version[:100]!r}; supported: "
                           + ", ".join(WORKFLOW_TYPES[kind]))
    return kind, normalized


def _normalized_version(kind: str, version: str) -> str | None:
    """The version as listed in WORKFLOW_TYPES; CWL's may lack its 'v', py's may be any Python 3."""
    if kind == "CWL" and not version.startswith("v"):
        version = "v" + version
    if kind == "py" and re.fullmatch(r"3(\.\d{1,2})?", version):
        return version
    return version if version in WORKFLOW_TYPES[kind] else None


def engine_arguments(parameters: Mapping[str, Any], *, trusted: bool = False) -> list[str]:
    """Command-line options from ``{"--name": value}``; untrusted names must be in SAFE_ENGINE_OPTIONS."""
    arguments: list[str] = []
    for key, value in parameters.items():
        name = str(key).lstrip("-")
        if not _OPTION_NAME.match(name) or (not trusted and name not in SAFE_ENGINE_OPTIONS):
            raise RequestError(f"workflow_engine_parameters: option {str(key)[:100]!r} is not allowed; allowed: "
                               + ", ".join(sorted(SAFE_ENGINE_OPTIONS)))
        if value is None or value is True or value == "":
            arguments.append(f"--{name}")
        elif value is False:
            continue
        elif isinstance(value, (str, int, float)):
            arguments.append(f"--{name}={value}")
        else:
            raise RequestError(f"workflow_engine_parameters: option {name!r} needs a string, number or boolean")
    return arguments


def _check_workflow_url(url: str, attachments: list[Attachment], allow_local_files: bool) -> str:
    scheme = urlparse(url).scheme.lower()
    if scheme in ("http", "https", "s3"):
        return url
    if scheme == "file":
        if not allow_local_files:
            raise RequestError("file:// workflow URLs are refused (the server was not started with "
                               "--allow-local-files); attach the workflow instead", 403)
        if not Path(urlparse(url).path).is_file():
            raise RequestError(f"workflow_url {url[:200]!r} is not a file on the server")
        return url
    if scheme:
        raise RequestError(f"workflow_url scheme {scheme[:20]!r} is not supported (attachment name, http(s), "
                           "s3 or file)")
    name = safe_relative_name(url)
    if name not in {a.name for a in attachments}:
        raise RequestError(f"workflow_url {url[:200]!r} names no attached file (workflow_attachment)")
    return name


def parse_run_request(form: Mapping[str, str], files: list[tuple[str, IO[bytes]]], *,
                      allow_local_files: bool) -> RunRequest:
    """Check a submitted form; raise RequestError with a clear message when it is wrong."""
    kind, version = _workflow_type(form)
    attachments: list[Attachment] = []
    for name, stream in files:
        attachment = Attachment(safe_relative_name(name), stream)
        if any(a.name == attachment.name for a in attachments):
            raise RequestError(f"attachment {attachment.name!r} is given twice")
        attachments.append(attachment)
    url = form.get("workflow_url")
    if not url:
        raise RequestError("missing field workflow_url (an attached file's name or a URL)")
    engine_parameters = _json_object(form, "workflow_engine_parameters")
    request = RunRequest(
        workflow_type=kind, workflow_type_version=version,
        workflow_url=_check_workflow_url(url, attachments, allow_local_files),
        workflow_params=_json_object(form, "workflow_params"), tags=_json_object(form, "tags"),
        engine_options=engine_arguments(engine_parameters), engine_parameters=engine_parameters,
        attachments=attachments)
    if kind == "py":
        python_arguments(request.workflow_params)  # check now, refuse early
    return request


def python_arguments(params: Mapping[str, Any]) -> list[str]:
    """Command-line options of a Python workflow from its workflow_params."""
    arguments: list[str] = []
    for key, value in params.items():
        if not _OPTION_NAME.match(key):
            raise RequestError(f"workflow_params: {key[:100]!r} is not an option name for a py workflow")
        for item in value if isinstance(value, list) else [value]:
            if item is True:
                arguments.append(f"--{key}")
            elif item is None or item is False:
                continue
            elif isinstance(item, (str, int, float)):
                arguments += [f"--{key}", str(item)]
            else:
                raise RequestError(f"workflow_params: {key!r} needs strings, numbers or booleans for a py workflow")
    return arguments


def lay_out(request: RunRequest, paths: RunPaths) -> None:
    """Write the attachments and the parameters into the (new) run directory."""
    paths.workflow.mkdir(parents=True)
    for attachment in request.attachments:
        target = paths.workflow / attachment.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.resolve().is_relative_to(paths.workflow.resolve()):
            raise RequestError(f"attachment {attachment.name!r} leaves the run directory")
        with open(target, "xb") as out:
            while chunk := attachment.stream.read(1 << 20):
                out.write(chunk)
    (paths.workflow / INPUTS_NAME).write_text(json.dumps(request.workflow_params))
