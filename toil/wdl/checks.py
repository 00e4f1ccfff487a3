"""Static checks miniwdl leaves out that the WDL spec asks for."""

from __future__ import annotations

from collections.abc import Iterator

import WDL

from toil.wdl.load import WdlError, find_documents
from toil.wdl.order import check_sections, workflow_nodes

COMPOUND = (WDL.Type.Array, WDL.Type.Map, WDL.Type.Pair, WDL.Type.StructInstance, WDL.Type.Object)


def walk(node: WDL.Error.SourceNode) -> Iterator[WDL.Error.SourceNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def newer_than_1_0(version: str | None) -> bool:
    return version not in (None, "draft-2", "1.0")


def check_no_compound_to_string(doc: WDL.Tree.Document) -> None:
    """WDL 1.1 forbids coercing a compound value to String; miniwdl unifies ``[[1], "a"]`` to Array[String]."""
    for document in find_documents(doc):
        if not newer_than_1_0(document.effective_wdl_version):
            continue
        for node in walk(document):
            if isinstance(node, WDL.Expr.Array) and isinstance(node.type, WDL.Type.Array) \
                    and isinstance(node.type.item_type, WDL.Type.String):
                for item in node.items:
                    if isinstance(item.type, COMPOUND):
                        pos = item.pos
                        raise WdlError(f"{pos.uri}:{pos.line}:{pos.column} StaticTypeMismatch: cannot coerce "
                                       f"{item.type} to String (WDL {document.effective_wdl_version})")


def check_workflows(doc: WDL.Tree.Document) -> None:
    """Every workflow, the main one and those it imports, can be planned section by section."""
    for document in find_documents(doc):
        if document.workflow is not None:
            check_sections(workflow_nodes(document.workflow))
