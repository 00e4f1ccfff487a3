"""--cachedir for CommandLineTool steps: the key of a tool run, and its outputs kept in or taken from the cache."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from cwltool.process import Process

from toil.core.callcache import TOKEN, CallCache, cache_key, canonical, swap_paths
from toil.core.files import file_id_of, is_stored
from toil.cwl.files import local_path_of, visit_files

# Fields of a File or Directory that name where it is, not what it is.
_PLACE_FIELDS = ("location", "path", "dirname", "checksum", "listing", "size")
# Options that change what a tool sees, hence what it may output.
_RUNTIME_OPTIONS = ("no_container", "podman", "singularity", "default_container", "preserve_environment",
                    "preserve_entire_environment", "enable_dev")


Where = Callable[[str], "str | None"]  # a File's location -> a local path with its content, if any


def _normalise(obj: Any, cache: CallCache, where: Where) -> Any:
    """A JSON value with files as their identities and document URIs as their fragments (no paths)."""
    if isinstance(obj, dict):
        if obj.get("class") in ("File", "Directory"):
            path = where(str(obj.get("location") or obj.get("path") or ""))
            if path is not None and os.path.exists(path):
                kept = {k: _normalise(v, cache, where) for k, v in obj.items() if k not in _PLACE_FIELDS}
                return {**kept, "identity": cache.path_identity(path)}
        return {k: _normalise(v, cache, where) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_normalise(v, cache, where) for v in obj]
    if isinstance(obj, str) and obj.startswith("file://") and "#" in obj:
        return obj.split("#", 1)[1]
    return obj


def key_parts(cache: CallCache, tool: Process, inputs: dict[str, Any], options: dict[str, Any],
              where: Where = local_path_of) -> dict[str, str]:
    """What determines a tool run's outputs, by name (``inputs`` staged locally, or found by ``where``)."""
    parts = {"definition": canonical(_normalise(tool.tool, cache, local_path_of))}
    for name, value in inputs.items():
        parts[f"input {name.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"] = canonical(_normalise(value, cache, where))
    runtime = {name: options.get(name) for name in _RUNTIME_OPTIONS}
    runtime["environment"] = {name: os.environ.get(name) for name in options.get("preserve_environment") or []}
    parts["runtime settings"] = canonical(runtime)
    return parts


def _tokenise(outputs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The outputs with local paths as tokens, and each token's path."""
    files: dict[str, str] = {}
    mapping: dict[str, str] = {}

    def visit(obj: dict[str, Any]) -> None:
        path = local_path_of(str(obj.get("location") or obj.get("path") or ""))
        if path is None or path in mapping or any(path.startswith(p.rstrip("/") + "/") for p in files.values()):
            return
        token = f"{TOKEN}f{len(files)}/{os.path.basename(path.rstrip('/')) or 'out'}"
        files[token] = path
        mapping[path] = token
        mapping["file://" + path] = token

    visit_files(outputs, visit)
    return swap_paths(outputs, mapping), files


class StepCache:
    """One tool run's use of the cache: look up before running, store after."""

    def __init__(self, directory: str, hash_mode: str, step: str, log: Callable[[str], None],
                 limit: int | None = None) -> None:
        self.cache = CallCache(directory, hash_mode)
        self.limit = limit
        self.step = step
        self.log = log
        self.parts: dict[str, str] = {}
        self.key = ""

    def lookup(self, tool: Process, inputs: dict[str, Any], options: dict[str, Any],
               scratch: str, where: Where = local_path_of) -> dict[str, Any] | None:
        """The step's outputs (as local files under ``scratch``) if the cache has them."""
        self.parts = key_parts(self.cache, tool, inputs, options, where)
        self.key = cache_key(self.parts)
        hit = self.cache.lookup(self.key)
        if hit is None:
            return None
        placed = hit.materialize(scratch)
        self.log(f"Call cache: step {self.step} reused (entry {self.key[:12]})")
        outputs: dict[str, Any] = swap_paths(hit.outputs, placed)
        return outputs

    def store(self, outputs: dict[str, Any]) -> None:
        why = self.cache.why_missed(self.step, self.parts)
        tokenised, files = _tokenise(outputs)
        self.cache.store(self.key, self.step, self.parts, tokenised, files)
        self.log(f"Call cache: step {self.step} ran ({why}); stored as entry {self.key[:12]}")
        if self.limit is not None:
            self.cache.prune(self.limit)

    def close(self) -> None:
        self.cache.close()


def stored_locations(inputs: Any, local_path: Callable[[str], str | None]) -> Where | None:
    """For a lookup before staging (in the leader): where each stored File's content is on this machine.

    None when some input is not a File the job store keeps locally (a Directory, a remote store):
    then only the worker, after staging, can compute the key.
    """
    found: dict[str, str] = {}
    missing: list[str] = []

    def visit(obj: dict[str, Any]) -> None:
        location = str(obj.get("location", ""))
        path = local_path(file_id_of(location)) if obj.get("class") == "File" and is_stored(location) else None
        if path is None:
            missing.append(location)
        else:
            found[location] = path

    visit_files(inputs, visit)
    return None if missing else found.get
