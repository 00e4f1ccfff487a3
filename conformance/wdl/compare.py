"""Judge a runner's outputs against a test's expected values (types given as WDL type strings)."""

from __future__ import annotations

import contextvars
import hashlib
import os
import re
from typing import Any

#: where relative output paths are resolved (the runner's working directory)
BASE: contextvars.ContextVar[str] = contextvars.ContextVar("BASE", default=".")
Kind = Any  # ("File",), ("Array", item), ("Map", key, value), ("Pair", l, r), ("Struct", {member: kind})


class Mismatch(Exception):
    """The output differs from the expected value (the message says where)."""


def parse_type(spec: Any) -> Kind:
    """Parse a WDL type string (or a struct given as a dict of member types)."""
    if isinstance(spec, dict):
        return ("Struct", {name: parse_type(member) for name, member in spec.items()})
    text = str(spec).strip().rstrip("?+")
    if "[" not in text:
        return (text,)
    outer, inner = text.split("[", 1)
    inner = inner[: inner.rindex("]")]
    parts = split_top(inner)
    return (outer.strip(), *[parse_type(part) for part in parts])


def split_top(text: str) -> list[str]:
    """Split on commas that are not inside brackets."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"[": 1, "]": -1}.get(char, 0)
        current += char
    return [*parts, current]


def check(expected: Any, actual: Any, kind: Kind, where: str = "") -> None:
    """Raise Mismatch unless actual matches expected for this kind."""
    name = kind[0]
    if expected is None or actual is None:
        if expected is not actual:
            raise Mismatch(f"{where}: expected {expected!r}, got {actual!r}")
        return
    handler = _HANDLERS.get(name, _scalar)
    handler(expected, actual, kind, where)


def _scalar(expected: Any, actual: Any, kind: Kind, where: str) -> None:
    if isinstance(expected, bool) != isinstance(actual, bool) or expected != actual:
        raise Mismatch(f"{where}: expected {expected!r}, got {actual!r}")
    if kind[0] == "String" and not isinstance(actual, str):
        raise Mismatch(f"{where}: expected a string, got {actual!r}")


def _file(expected: Any, actual: Any, kind: Kind, where: str) -> None:
    if isinstance(actual, str):
        actual = os.path.join(BASE.get(), actual)
    if not isinstance(actual, str) or not os.path.isfile(actual):
        raise Mismatch(f"{where}: output file {actual!r} does not exist")
    if not isinstance(expected, dict):
        raise Mismatch(f"{where}: the test gives no md5sum or regex for a File")
    if expected.get("regex") is not None:
        with open(actual, errors="replace") as handle:
            if not re.search(expected["regex"], handle.read()):
                raise Mismatch(f"{where}: {actual} does not match regex {expected['regex']!r}")
        return
    with open(actual, "rb") as handle:
        digest = hashlib.md5(handle.read()).hexdigest()
    if digest != expected.get("md5sum"):
        raise Mismatch(f"{where}: md5 of {actual} is {digest}, expected {expected.get('md5sum')}")


def _listing(path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for entry in sorted(os.listdir(path)):
        full = os.path.join(path, entry)
        if os.path.isdir(full):
            found.append({"type": "Directory", "basename": entry, "listing": _listing(full)})
        else:
            found.append({"type": "File", "basename": entry})
    return found


def _normal(listing: list[dict[str, Any]]) -> list[Any]:
    return sorted((item["type"], item["basename"], _normal(item.get("listing", []))) for item in listing)


def _directory(expected: Any, actual: Any, kind: Kind, where: str) -> None:
    if isinstance(actual, str):
        actual = os.path.join(BASE.get(), actual)
    if not isinstance(actual, str) or not os.path.isdir(actual):
        raise Mismatch(f"{where}: output directory {actual!r} does not exist")
    if _normal(expected.get("listing", [])) != _normal(_listing(actual)):
        raise Mismatch(f"{where}: directory listing of {actual} differs")


def _array(expected: Any, actual: Any, kind: Kind, where: str) -> None:
    if not isinstance(actual, list) or len(actual) != len(expected):
        raise Mismatch(f"{where}: expected {len(expected)} items, got {actual!r}")
    for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
        check(e, a, kind[1], f"{where}[{index}]")


def _map(expected: Any, actual: Any, kind: Kind, where: str) -> None:
    if not isinstance(actual, dict) or len(actual) != len(expected):
        raise Mismatch(f"{where}: expected {len(expected)} entries, got {actual!r}")
    for key, value in expected.items():
        if str(key) not in {str(k) for k in actual}:
            raise Mismatch(f"{where}: key {key!r} missing from {actual!r}")
        match = next(v for k, v in actual.items() if str(k) == str(key))
        check(value, match, kind[2] if len(kind) > 2 else ("Any",), f"{where}[{key!r}]")


def _pair(expected: Any, actual: Any, kind: Kind, where: str) -> None:
    if not isinstance(actual, dict) or set(actual) != {"left", "right"}:
        raise Mismatch(f"{where}: expected a pair, got {actual!r}")
    check(expected["left"], actual["left"], kind[1], f"{where}.left")
    check(expected["right"], actual["right"], kind[2], f"{where}.right")


def _struct(expected: Any, actual: Any, kind: Kind, where: str) -> None:
    if not isinstance(actual, dict) or len(actual) != len(expected):
        raise Mismatch(f"{where}: expected {len(expected)} members, got {actual!r}")
    for name, value in expected.items():
        if name not in actual:
            raise Mismatch(f"{where}: member {name} missing")
        check(value, actual[name], kind[1].get(name, ("Any",)), f"{where}.{name}")


_HANDLERS = {"File": _file, "Directory": _directory, "Array": _array, "Map": _map, "Pair": _pair,
             "Struct": _struct, "Object": _struct}


def judge(expected_outputs: dict[str, Any], results: dict[str, Any], base: str = ".") -> str | None:
    """None when the results match every expected output; else the first difference.

    Relative file paths in the results are taken relative to base.
    """
    BASE.set(base)
    outputs = results.get("outputs") if isinstance(results, dict) else None
    if not isinstance(outputs, dict):
        return "the results file has no 'outputs' object"
    if len(outputs) != len(expected_outputs):
        return f"expected {len(expected_outputs)} outputs ({', '.join(expected_outputs)}), got {len(outputs)}"
    for name, spec in expected_outputs.items():
        if name not in outputs:
            return f"output {name} is missing"
        try:
            check(spec.get("value"), outputs[name], parse_type(spec["type"]), name)
        except Mismatch as e:
            return str(e)
    return None
