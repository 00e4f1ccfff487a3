"""Scatter: split a step's inputs into jobs and put their outputs back in shape.

A scatter plan is a nested structure: a list (one level per crossed input for
nested_crossproduct, one level otherwise) whose leaves are the job inputs. Outputs are
assembled by replacing each leaf with what its job produced.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

METHODS = ("dotproduct", "nested_crossproduct", "flat_crossproduct")


class ScatterError(Exception):
    """The scattered inputs do not fit the scatter method."""


def _as_list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScatterError(f"Scatter input '{name}' must be an array, got {type(value).__name__}")
    return value


def _with(inputs: dict[str, Any], **values: Any) -> dict[str, Any]:
    job = copy.copy(inputs)
    job.update(values)
    return job


def plan(inputs: dict[str, Any], keys: list[str], method: str | None) -> list[Any]:
    """The nested list of job inputs for scattering ``keys`` of ``inputs``."""
    if not keys:
        raise ScatterError("Scatter names no inputs")
    method = method or "dotproduct"
    if method not in METHODS:
        raise ScatterError(f"Unknown scatterMethod '{method}'")
    if len(keys) == 1 or method == "dotproduct":
        return _dotproduct(inputs, keys)
    if method == "nested_crossproduct":
        return _nested(inputs, keys)
    return _flat(inputs, keys)


def _dotproduct(inputs: dict[str, Any], keys: list[str]) -> list[dict[str, Any]]:
    arrays = [_as_list(inputs.get(key), key) for key in keys]
    lengths = {len(array) for array in arrays}
    if len(lengths) > 1:
        raise ScatterError("Length of input arrays must be equal when performing dotproduct scatter")
    size = lengths.pop()
    return [_with(inputs, **{key: inputs[key][i] for key in keys}) for i in range(size)]


def _nested(inputs: dict[str, Any], keys: list[str]) -> list[Any]:
    key = keys[0]
    jobs = [_with(inputs, **{key: item}) for item in _as_list(inputs.get(key), key)]
    if len(keys) == 1:
        return jobs
    return [_nested(job, keys[1:]) for job in jobs]


def _flat(inputs: dict[str, Any], keys: list[str]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for branch in _nested(inputs, keys):
        flat.extend(leaves(branch))
    return flat


def leaves(structure: Any) -> list[dict[str, Any]]:
    """The job inputs of a plan, in order."""
    if isinstance(structure, dict):
        return [structure]
    found: list[dict[str, Any]] = []
    for item in structure:
        found.extend(leaves(item))
    return found


def reshape(structure: Any, make: Callable[[dict[str, Any]], Any]) -> Any:
    """The plan with each leaf replaced by ``make(leaf)``."""
    if isinstance(structure, dict):
        return make(structure)
    return [reshape(item, make) for item in structure]


def split_outputs(structure: Any, names: list[str]) -> dict[str, Any]:
    """Turn a plan whose leaves are output dicts into one nested array per output name."""
    return {name: reshape(structure, _getter(name)) for name in names}


def _getter(name: str) -> Callable[[dict[str, Any]], Any]:
    def get(leaf: dict[str, Any]) -> Any:
        return leaf.get(name)

    return get
