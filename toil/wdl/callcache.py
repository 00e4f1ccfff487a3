"""miniwdl's call cache for task calls: its configuration, a call's key, and outputs kept in or taken from the cache."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import WDL
import WDL.runtime.config

from toil.core.callcache import TOKEN, CallCache, cache_key, canonical
from toil.wdl import values

logger = logging.getLogger(__name__)

# Runtime keys that say how much a task may use, not what it computes.
_RESOURCE_KEYS = frozenset({"cpu", "memory", "disks", "disk", "preemptible", "maxRetries", "gpu", "gpuCount",
                            "gpuType", "nvidiaDriverVersion", "zones", "bootDiskSizeGb", "time"})
_OUTSIDE = ".outside"  # token names of output files outside the task's working directory


def cache_settings(cfg: str | None = None, hash_mode: str = "deep") -> dict[str, Any]:
    """miniwdl's ``[call_cache]`` (its config file, ``MINIWDL_CFG``, ``--cfg``, ``MINIWDL__CALL_CACHE__*``)."""
    try:
        loaded = WDL.runtime.config.Loader(logger, [cfg] if cfg else None)
        section = loaded["call_cache"]
        get, put = section.get_bool("get"), section.get_bool("put")
        directory = os.path.abspath(os.path.expanduser(section["dir"]))
    except (WDL.Error.RuntimeError, KeyError, ValueError, OSError) as e:
        raise ValueError(f"miniwdl configuration: {e}") from None
    return {"get": get, "put": put, "dir": directory, "hash": hash_mode}


def _identities(cache: CallCache, data: values.Encoded) -> values.Encoded:
    def identity(path: str) -> str:
        return cache.path_identity(path) if os.path.exists(path) else path

    return values.map_files(data, identity)


class TaskCache:
    """One task call's use of the cache: look up before running the command, store after."""

    def __init__(self, settings: dict[str, Any], call: str, log: Callable[[str], None]) -> None:
        self.cache = CallCache(settings["dir"], settings.get("hash", "deep"))
        self.get, self.put = bool(settings.get("get")), bool(settings.get("put"))
        self.limit: int | None = settings.get("max_size")
        self.call = call
        self.log = log
        self.parts: dict[str, str] = {}
        self.key = ""

    def compute_key(self, task: WDL.Tree.Task, inputs: dict[str, values.Encoded], runtime: dict[str, Any],
                    image: str | None) -> None:
        parts = {"definition": task.digest}
        for name, data in sorted(inputs.items()):
            parts[f"input {name}"] = canonical(_identities(self.cache, data))
        kept = {k: v for k, v in runtime.items() if k not in _RESOURCE_KEYS and k not in ("docker", "container")}
        parts["runtime settings"] = canonical(kept)
        parts["container image"] = image or ""
        self.parts, self.key = parts, cache_key(parts)

    def lookup(self, task: WDL.Tree.Task, work_dir: str) -> dict[str, values.Encoded] | None:
        """The call's outputs (files placed under ``work_dir`` as the command left them) if cached."""
        if not self.get:
            return None
        hit = self.cache.lookup(self.key)
        if hit is None:
            return None
        placed = hit.materialize(work_dir)
        outputs = {}
        for decl in task.outputs:
            value = WDL.Value.from_json(decl.type, hit.outputs[decl.name])
            outputs[decl.name] = values.map_files(values.encode(value), lambda p: placed.get(p, p))
        self.log(f"Call cache: call {self.call} reused (entry {self.key[:12]})")
        return outputs

    def store(self, outputs: dict[str, values.Encoded], work_dir: str) -> None:
        why = self.cache.why_missed(self.call, self.parts)
        if not self.put:
            self.log(f"Call cache: call {self.call} ran ({why})")
            return
        files: dict[str, str] = {}
        mapping: dict[str, str] = {}

        def tokenise(path: str) -> str:
            if path not in mapping:
                inside = path.startswith(work_dir.rstrip("/") + "/")
                name = os.path.relpath(path, work_dir) if inside else \
                    f"{_OUTSIDE}/{len(files)}/{os.path.basename(path.rstrip('/'))}"
                mapping[path] = TOKEN + name
                files[TOKEN + name] = path
            return mapping[path]

        tokenised = {name: values.decode(values.map_files(data, tokenise)).json for name, data in outputs.items()}
        self.cache.store(self.key, self.call, self.parts, tokenised, files)
        self.log(f"Call cache: call {self.call} ran ({why}); stored as entry {self.key[:12]}")
        if self.limit is not None:
            self.cache.prune(self.limit)

    def close(self) -> None:
        self.cache.close()

