"""toil/wdl/objects.py mirrors miniwdl's private loader: fail loudly when a release changes it.

The loader (WDL.load's steps with Object types allowed) copies ``WDL.Tree._load_async`` and
calls ``WDL._parser.parse_document``; neither is public API, so a miniwdl release may change
them without notice. When a fingerprint below no longer matches: read the new miniwdl code,
bring toil/wdl/objects.py in line with it, then put the new fingerprint here.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import WDL
from WDL import _parser

from toil.wdl import objects

#: sha256 (first 16 hex digits) of the source of each miniwdl function objects.py mirrors or calls
FINGERPRINTS: dict[str, tuple[Callable[..., Any], str]] = {
    "WDL.Tree._load_async": (WDL.Tree._load_async, "79a7f9434f9a6731"),
    "WDL.load_async": (WDL.load_async, "54ccadac4fe23e17"),
    "WDL._parser.parse_document": (_parser.parse_document, "8e7b7e131e63d728"),
}

OBJECTS = """\
version 1.0
workflow w {
  Object o = object { a: 1 }
  Object? maybe = o
  Array[Object] many = [o]
}
"""


def fingerprint(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(FINGERPRINTS))
def test_the_miniwdl_code_objects_py_mirrors_is_unchanged(name: str) -> None:
    function, expected = FINGERPRINTS[name]
    found = fingerprint(function)
    assert found == expected, (
        f"miniwdl {metadata.version('miniwdl')} changed {name} (fingerprint {found}, "
        f"was {expected}): toil/wdl/objects.py mirrors it; review objects.py against the new code, then update "
        f"FINGERPRINTS in {Path(__file__).name}"
    )


def test_miniwdl_still_refuses_object_and_our_loader_allows_it(tmp_path: Path) -> None:
    path = tmp_path / "objects.wdl"
    path.write_text(OBJECTS)
    with pytest.raises(WDL.Error.ValidationError):  # else objects.py may be needless: review it
        WDL.load(str(path))
    decls = {decl.name: decl.type for decl in objects.load(str(path)).workflow.body}
    assert isinstance(decls["o"], WDL.Type.Object) and not decls["o"].optional
    assert isinstance(decls["maybe"], WDL.Type.Object) and decls["maybe"].optional
    many = decls["many"]
    assert isinstance(many, WDL.Type.Array) and isinstance(many.item_type, WDL.Type.Object)
