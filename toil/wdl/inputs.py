"""Workflow inputs: read the JSON, bind it to the document's inputs, import the files."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import WDL

from toil.wdl import values
from toil.wdl.dirs import import_directory
from toil.wdl.files import file_uri, group_of, is_job_store_file, is_url
from toil.wdl.load import WdlError, describe_error
from toil.wdl.values import EnvData


def read_inputs(text: str | None, stdin: Any = None) -> tuple[dict[str, Any], str]:
    """Parse inputs given as a path, ``-`` (stdin) or inline JSON; return them and their base directory."""
    if text is None or text == "":
        return {}, os.getcwd()
    base = os.getcwd()
    if text == "-":
        raw = (stdin or sys.stdin).read()
        where = "standard input"
    elif text.lstrip().startswith("{"):
        raw, where = text, "the inline inputs"
    else:
        if not os.path.exists(text):
            raise WdlError(f"inputs file not found: {text}")
        with open(text) as handle:
            raw = handle.read()
        where, base = text, os.path.dirname(os.path.abspath(text))
    try:
        data = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as e:
        raise WdlError(f"{where}:{e.lineno}:{e.colno} invalid JSON: {e.msg}") from None
    if not isinstance(data, dict):
        raise WdlError(f"{where}: the inputs must be a JSON object")
    return data, base


def target_of(doc: WDL.Tree.Document) -> WDL.Tree.Workflow | WDL.Tree.Task:
    if doc.workflow is not None:
        return doc.workflow
    if len(doc.tasks) == 1:
        return doc.tasks[0]
    raise WdlError(f"{doc.pos.uri}: the document has no workflow (and not exactly one task) to run")


def bind_inputs(doc: WDL.Tree.Document, data: dict[str, Any]) -> WDL.Env.Bindings[WDL.Value.Base]:
    """Check the inputs against the document (unknown names, types, missing required inputs)."""
    target = target_of(doc)
    try:
        return WDL.values_from_json(data, target.available_inputs, target.required_inputs, namespace=target.name)
    except WDL.Error.InputError as e:
        raise WdlError(f"input error: {e}") from None
    except WDL.Error.RuntimeError as e:
        raise WdlError(f"input error: {describe_error(e)}") from None
    except (ValueError, TypeError, KeyError) as e:
        raise WdlError(f"input error: {e}") from None


def resolve_path(path: str, base: str) -> str | None:
    """A local input path, relative to the current directory or else to the inputs file."""
    if path.startswith("file://"):
        path = path[len("file://"):]
    for candidate in (path, os.path.join(base, path)):
        if os.path.exists(candidate):
            return os.path.abspath(candidate)
    return None


def import_inputs(env: WDL.Env.Bindings[WDL.Value.Base], base: str, import_file: Callable[[str], Any],
                  reference: bool = False) -> EnvData:
    """Encode the inputs, putting every File in the job store (or, with reference, naming it in place)."""

    def store(path: str) -> str:
        if is_job_store_file(path):
            return path
        if is_url(path) and not path.startswith("file://"):
            if reference:
                return path
            file_id = import_file(path)
            return file_uri(str(file_id), os.path.basename(path.split("?")[0]) or "file")
        local = resolve_path(path, base)
        if local is None:
            raise WdlError(f"input file not found: {path}")
        if reference:
            return local
        return file_uri(str(import_file(local)), os.path.basename(local.rstrip("/")), group_of(local))

    def store_dir(path: str) -> str:
        if is_job_store_file(path) or (is_url(path) and not path.startswith("file://")):
            return path
        local = resolve_path(path, base)
        if local is None or not os.path.isdir(local):
            raise WdlError(f"input directory not found: {path}")
        return local if reference else import_directory(local, import_file)

    return {binding.name: values.map_files(values.encode(binding.value), store, store_dir) for binding in env}
