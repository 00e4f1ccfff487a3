"""Load documents with WDL's ``Object`` type (draft-2 and 1.0; deprecated in 1.1), which miniwdl lacks.

miniwdl parses ``Object x = object {...}`` but rejects the type name ``Object`` while type
checking, because it reads it as an unknown struct. Its own ``Type.Object`` (the type of
``object {}`` literals and of ``read_json()``) has the right coercions, so this loader
mirrors ``WDL.load`` (parse, load imports, type check) with one step in between: every
declared ``Object`` that names no struct becomes ``Type.Object``.

miniwdl's public API has no step between parsing and type checking, so this mirrors its
private ``WDL.Tree._load_async`` and calls its private ``WDL._parser.parse_document`` (the
public one takes no ``abspath``). tests/unit/wdl/test_miniwdl_mirror.py fails when either
changes in a miniwdl release: review this module then.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import WDL
from WDL import _parser

ReadSource = Callable[[str, list[str], Any], Awaitable[WDL.ReadSourceResult]]
OBJECT_VERSIONS = ("draft-2", "1.0", "1.1")


def object_type(kind: WDL.Type.Base, structs: set[str]) -> WDL.Type.Base:
    """kind with each undefined ``Object`` struct instance replaced by ``Type.Object``."""
    if isinstance(kind, WDL.Type.StructInstance) and kind.type_name == "Object" and "Object" not in structs:
        return WDL.Type.Object({}).copy(optional=kind.optional)
    if isinstance(kind, WDL.Type.Array):
        item = object_type(kind.item_type, structs)
        if item is not kind.item_type:
            return WDL.Type.Array(item, optional=kind.optional, nonempty=kind.nonempty)
    if isinstance(kind, WDL.Type.Map):
        key, value = (object_type(t, structs) for t in kind.item_type)
        if key is not kind.item_type[0] or value is not kind.item_type[1]:
            return WDL.Type.Map((key, value), optional=kind.optional)
    return kind


def declarations(doc: WDL.Tree.Document) -> list[WDL.Tree.Decl]:
    found: list[WDL.Tree.Decl] = []
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, WDL.Tree.Decl):
            found.append(node)
        stack.extend(node.children)
    for task in doc.tasks:  # outputs are children of the task too, but be sure
        found.extend(d for d in task.outputs if d not in found)
    if doc.workflow is not None:
        found.extend(d for d in doc.workflow.outputs or [] if d not in found)
    return found


def allow_objects(doc: WDL.Tree.Document) -> None:
    if doc.effective_wdl_version not in OBJECT_VERSIONS:
        return
    structs = {typedef.name for typedef in doc.struct_typedefs}
    for decl in declarations(doc):
        decl.type = object_type(decl.type, structs)


async def load_async(uri: str, check_quant: bool, read_source: ReadSource, importer: Any = None,
                     depth: int = 10) -> WDL.Tree.Document:
    """WDL.load's steps, with ``allow_objects`` before type checking."""
    source = await read_source(uri, [], importer)
    try:
        doc = _parser.parse_document(source.source_text, uri=uri, abspath=source.abspath)
    except Exception as e:
        e.source_text = source.source_text  # type: ignore[attr-defined]
        raise
    for index, imp in enumerate(doc.imports):
        if depth <= 1:
            raise WDL.Error.ImportError(imp.pos, imp.uri, "exceeded import_max_depth; circular imports?")
        try:
            sub = await load_async(imp.uri, check_quant, read_source, importer=doc, depth=depth - 1)
        except Exception as e:
            raise WDL.Error.ImportError(imp.pos, imp.uri) from e
        doc.imports[index] = WDL.Tree.DocImport(pos=imp.pos, uri=imp.uri, namespace=imp.namespace,
                                                aliases=imp.aliases, doc=sub)
    allow_objects(doc)
    doc.typecheck(check_quant=check_quant)
    return doc


def load(uri: str, check_quant: bool = True, read_source: ReadSource | None = None) -> WDL.Tree.Document:
    import asyncio

    reader: ReadSource = read_source or WDL.read_source_default
    return asyncio.run(load_async(uri, check_quant, reader))
