"""cwltool's parsed CWL schemas, kept ready between runs.

Every process that loads a CWL document has cwltool parse the CWL schema of its version (the
salad YAML files, through ruamel's pure-Python round-trip parser): about 0.2 s a version here,
a quarter of a short run and the largest single cost of a conformance test. The parsed schemas
are plain objects that loading documents does not change. We pickle them once per user (under
``$XDG_CACHE_HOME/toil``, keyed by the versions of cwltool, schema-salad and Python) and put
them in cwltool's own cache, ``cwltool.process.SCHEMA_CACHE``, when a process starts. Any
problem with the file only means the schemas are parsed as usual (and the file written again).
Set ``TOIL_CWL_SCHEMA_CACHE=0`` to never use it.
"""

from __future__ import annotations

import contextlib
import copyreg
import logging
import os
import pickle
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from cwltool import process as cwltool_process
from schema_salad.ref_resolver import NormDict

logger = logging.getLogger(__name__)

VERSIONS = ("v1.0", "v1.1", "v1.2")  # the released versions, all built at once on first use
_warmed = False


def _normdict(normalize: Any, items: list[tuple[Any, Any]]) -> NormDict:
    restored = NormDict(normalize)
    for key, value in items:
        restored[key] = value
    return restored


def _reduce_normdict(normdict: NormDict) -> tuple[Any, ...]:
    # NormDict (compiled) sets its normalizer in __init__, which plain unpickling skips.
    return _normdict, (normdict.normalize, list(normdict.items()))


copyreg.pickle(NormDict, _reduce_normdict)


def cache_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    try:
        key = f"{version('cwltool')}-{version('schema-salad')}-py{sys.version_info[0]}.{sys.version_info[1]}"
    except PackageNotFoundError:
        key = f"unknown-py{sys.version_info[0]}.{sys.version_info[1]}"
    return os.path.join(base, "toil", f"cwl-schemas-{key}.pickle")


def warm() -> None:
    """Fill cwltool's schema cache from the file, or parse the schemas and write the file."""
    global _warmed
    if _warmed or os.environ.get("TOIL_CWL_SCHEMA_CACHE", "1") == "0":
        return
    _warmed = True
    path = cache_path()
    cached = _read(path)
    if cached is not None:
        for name, entry in cached.items():
            cwltool_process.SCHEMA_CACHE.setdefault(name, entry)
        return
    entries = {name: cwltool_process.get_schema(name) for name in VERSIONS}
    _write(path, entries)


def _read(path: str) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            cached = pickle.load(f)  # noqa: S301 - this user's own cache, written by this module
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001 - a torn or foreign file: parse the schemas as usual
        logger.debug("Ignoring the CWL schema cache %s: %s", path, e)
        return None
    if not isinstance(cached, dict) or not all(name in cached for name in VERSIONS):
        return None
    return cached


def _write(path: str, entries: dict[str, Any]) -> None:
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temp, "wb") as f:
            pickle.dump(entries, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)  # readers see the whole file or none
    except Exception as e:  # noqa: BLE001 - no cache is only slower
        logger.debug("Could not write the CWL schema cache %s: %s", path, e)
        with contextlib.suppress(OSError):
            os.unlink(temp)
