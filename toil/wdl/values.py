"""WDL values as plain data, so that job bodies and return values never pickle miniwdl's tree.

An environment travels between jobs as a ``dict`` from a dotted name (``x``, ``call.out``)
to an encoded value. An encoded value is a tuple tagged with its kind; WDL types are
miniwdl ``Type`` objects, which hold no reference to a parsed document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import WDL

Encoded = tuple[Any, ...]
EnvData = dict[str, Encoded]

_SCALARS: dict[str, Callable[[Any], WDL.Value.Base]] = {
    "Boolean": WDL.Value.Boolean,
    "Int": WDL.Value.Int,
    "Float": WDL.Value.Float,
    "String": WDL.Value.String,
    "File": WDL.Value.File,
    "Directory": WDL.Value.Directory,
}


def encode(value: WDL.Value.Base) -> Encoded:
    """Turn a miniwdl value into nested tuples (no expression or tree references)."""
    if isinstance(value, WDL.Value.Null):
        return ("Null",)
    if isinstance(value, WDL.Value.Array):
        return ("Array", value.type.item_type, [encode(item) for item in value.value])
    if isinstance(value, WDL.Value.Map):
        return ("Map", value.type.item_type, [(encode(k), encode(v)) for k, v in value.value])
    if isinstance(value, WDL.Value.Pair):
        return ("Pair", value.type.left_type, value.type.right_type, encode(value.value[0]), encode(value.value[1]))
    if isinstance(value, WDL.Value.Struct):
        return ("Struct", value.type, {k: encode(v) for k, v in value.value.items()})
    kind = type(value).__name__
    if kind not in _SCALARS:
        raise TypeError(f"cannot encode WDL value of kind {kind}")
    return (kind, value.value)


def decode(data: Encoded) -> WDL.Value.Base:
    """Rebuild a miniwdl value from ``encode``'s tuples."""
    kind = data[0]
    if kind == "Null":
        return WDL.Value.Null()
    if kind == "Array":
        return WDL.Value.Array(data[1], [decode(item) for item in data[2]])
    if kind == "Map":
        return WDL.Value.Map(data[1], [(decode(k), decode(v)) for k, v in data[2]])
    if kind == "Pair":
        return WDL.Value.Pair(data[1], data[2], (decode(data[3]), decode(data[4])))
    if kind == "Struct":
        return WDL.Value.Struct(data[1], {k: decode(v) for k, v in data[2].items()})
    return _SCALARS[kind](data[1])


def encode_env(env: WDL.Env.Bindings[WDL.Value.Base]) -> EnvData:
    return {binding.name: encode(binding.value) for binding in env}


def decode_env(data: EnvData) -> WDL.Env.Bindings[WDL.Value.Base]:
    env: WDL.Env.Bindings[WDL.Value.Base] = WDL.Env.Bindings()
    for name, value in data.items():
        env = env.bind(name, decode(value))
    return env


def merge(*parts: EnvData) -> EnvData:
    """Later parts win, like nested scopes."""
    merged: EnvData = {}
    for part in parts:
        merged.update(part)
    return merged


def with_prefix(data: EnvData, prefix: str) -> EnvData:
    """Names under ``prefix.`` with the prefix removed (a call's slice of the inputs)."""
    head = prefix + "."
    return {name[len(head):]: value for name, value in data.items() if name.startswith(head)}


def add_prefix(data: EnvData, prefix: str) -> EnvData:
    return {f"{prefix}.{name}": value for name, value in data.items()}


PathChange = Callable[[str], "str | None"]


def map_files(data: Encoded, change: PathChange, change_dir: PathChange | None = None) -> Encoded:
    """Rewrite every File (and Directory) path in an encoded value; ``None`` makes it null.

    Directories go through change_dir when it is given, else through change.
    """
    kind = data[0]
    if kind in ("File", "Directory"):
        new = (change_dir or change)(data[1]) if kind == "Directory" else change(data[1])
        return ("Null",) if new is None else (kind, new)
    if kind == "Array":
        return ("Array", data[1], [map_files(item, change, change_dir) for item in data[2]])
    if kind == "Map":
        return ("Map", data[1], [(map_files(k, change, change_dir), map_files(v, change, change_dir))
                                 for k, v in data[2]])
    if kind == "Pair":
        return ("Pair", data[1], data[2], map_files(data[3], change, change_dir),
                map_files(data[4], change, change_dir))
    if kind == "Struct":
        return ("Struct", data[1], {k: map_files(v, change, change_dir) for k, v in data[2].items()})
    return data


def files_in(data: Encoded) -> list[str]:
    """Every File path in an encoded value, in order."""
    found: list[str] = []

    def note(path: str) -> str:
        found.append(path)
        return path

    map_files(data, note)
    return found
