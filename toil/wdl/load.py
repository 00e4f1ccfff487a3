"""Load WDL through miniwdl, keep its sources in the job store, and load them again in workers.

Job bodies never hold parsed documents: they hold the URI of a stored *bundle* (the
main document's path and the text of it and of every import) and the names of what to
run. A process loads each bundle once and keeps the document.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any

import WDL
from WDL import Lint

from toil.wdl import objects
from toil.wdl.files import parse_uri


class WdlError(Exception):
    """A user-facing WDL problem: the message is one line, positions as miniwdl reports them."""


def where(pos: Any) -> str:
    """file:line:column of a miniwdl source position."""
    return f"{pos.uri}:{pos.line}:{pos.column}"


def describe_error(error: BaseException, context: str = "") -> str:
    """One line for a miniwdl exception, with file:line:col where it has a position (context before the message)."""
    if isinstance(error, WDL.Error.MultipleValidationErrors):
        first = error.exceptions[0]
        more = len(error.exceptions) - 1
        return describe_error(first) + (f" (and {more} more errors)" if more else "")
    pos = getattr(error, "pos", None)
    message = " ".join(str(error).strip().splitlines()) or unstated(error)
    if isinstance(error, WDL.Error.ImportError) and error.__cause__ is not None:
        message += f": {error.__cause__}"
    kind = type(error).__name__
    if context:
        message = f"{context}: {message}"
    text = f"{kind}: {message}" if kind not in message else message
    return f"{where(pos)} {text}" if pos is not None else text


def unstated(error: BaseException) -> str:
    """What an error that came without a message is about.

    miniwdl turns a name with no value into an EvalError with no text (the KeyError of its
    environment); at load time it would say "Unknown identifier NAME", so we say that.
    """
    node = getattr(error, "node", None)
    if isinstance(node, WDL.Expr.Ident):
        return f"Unknown identifier {node.name}"
    cause = error.__cause__ or error.__context__
    if cause is not None and str(cause).strip():
        return " ".join(str(cause).strip().splitlines())
    return type(error).__name__


LOAD_ERRORS: tuple[type[BaseException], ...] = (
    WDL.Error.SyntaxError,
    WDL.Error.ValidationError,
    WDL.Error.MultipleValidationErrors,
    WDL.Error.ImportError,
)


def load_document(uri: str, check_quant: bool = True) -> WDL.Tree.Document:
    """Parse and type-check a document; raise WdlError with a clear line on failure."""
    if not uri.startswith(("http://", "https://")) and not os.path.exists(uri):
        raise WdlError(f"WDL file not found: {uri}")
    try:
        return objects.load(uri, check_quant=check_quant)
    except LOAD_ERRORS as e:
        raise WdlError(describe_error(e)) from e


def lint_errors(doc: WDL.Tree.Document) -> list[str]:
    """miniwdl's lint findings, one line each (for --strict)."""
    Lint.lint(doc)
    found: list[str] = []
    for pos, lint_class, message, suppressed in Lint.collect(doc):
        if not suppressed:
            found.append(f"{where(pos)} {lint_class} {message}")
    return found


def sources_of(doc: WDL.Tree.Document) -> dict[str, str]:
    """The text of a document and every document it imports, by absolute path."""
    sources: dict[str, str] = {}
    stack = [doc]
    while stack:
        current = stack.pop()
        if current.pos.abspath in sources:
            continue
        sources[current.pos.abspath] = current.source_text
        stack.extend(imp.doc for imp in current.imports if imp.doc is not None)
    return sources


def bundle_bytes(doc: WDL.Tree.Document, check_quant: bool) -> bytes:
    bundle = {"main": doc.pos.abspath, "check_quant": check_quant, "sources": sources_of(doc)}
    return json.dumps(bundle).encode()


@dataclass
class Bundle:
    main: str
    check_quant: bool
    sources: dict[str, str]

    def document(self) -> WDL.Tree.Document:
        async def read_source(uri: str, path: list[str], importer: Any) -> WDL.ReadSourceResult:
            if importer is None or os.path.isabs(uri):
                candidate = uri
            else:
                candidate = os.path.normpath(os.path.join(os.path.dirname(importer.pos.abspath), uri))
            if candidate in self.sources:
                return WDL.ReadSourceResult(source_text=self.sources[candidate], abspath=candidate)
            return await WDL.read_source_default(uri, path, importer)

        return objects.load(self.main, check_quant=self.check_quant, read_source=read_source)


_documents: dict[str, WDL.Tree.Document] = {}


def cache_document(bundle_uri: str, doc: WDL.Tree.Document) -> None:
    """Remember the leader's own parse so its local jobs need not parse again."""
    _documents[bundle_uri] = doc


def document_for(file_store: Any, bundle_uri: str) -> WDL.Tree.Document:
    """The document of a stored bundle, loaded once per process."""
    if bundle_uri not in _documents:
        file_id, _ = parse_uri(bundle_uri)
        with tempfile.TemporaryDirectory() as scratch:
            path = file_store.readGlobalFile(file_id, userPath=os.path.join(scratch, "bundle.json"), mutable=True)
            with open(path) as handle:
                data = json.load(handle)
        _documents[bundle_uri] = Bundle(data["main"], data["check_quant"], data["sources"]).document()
    return _documents[bundle_uri]


def find_documents(doc: WDL.Tree.Document) -> list[WDL.Tree.Document]:
    """The document and everything it imports, each once."""
    found: dict[str, WDL.Tree.Document] = {}
    stack = [doc]
    while stack:
        current = stack.pop()
        if current.pos.abspath not in found:
            found[current.pos.abspath] = current
            stack.extend(imp.doc for imp in current.imports if imp.doc is not None)
    return list(found.values())


def find_document(doc: WDL.Tree.Document, abspath: str) -> WDL.Tree.Document:
    """The loaded document (the main one or an import) with this absolute path."""
    stack = [doc]
    while stack:
        current = stack.pop()
        if current.pos.abspath == abspath:
            return current
        stack.extend(imp.doc for imp in current.imports if imp.doc is not None)
    raise KeyError(f"no document {abspath} in the workflow's sources")


def find_task(doc: WDL.Tree.Document, abspath: str, name: str) -> WDL.Tree.Task:
    for task in find_document(doc, abspath).tasks:
        if task.name == name:
            return task
    raise KeyError(f"no task {name} in {abspath}")


def find_workflow(doc: WDL.Tree.Document, abspath: str) -> WDL.Tree.Workflow:
    workflow = find_document(doc, abspath).workflow
    if workflow is None:
        raise KeyError(f"no workflow in {abspath}")
    return workflow
