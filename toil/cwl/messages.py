"""Fold cwltool's and schema-salad's many-line messages into the one error line users get.

schema-salad reports a validation failure as a tree: one ``FILE:LINE:COL: text`` line per
level of context, indented deeper for each level, with long texts wrapped onto lines that
carry no location. The most specific problem is the deepest line; its location is the
place to look. Messages without locations (job input records, expressions) are joined.
"""

from __future__ import annotations

import re

PROG = "toil-cwl-runner"
#: the exit code of a run refused for a requirement or feature we do not support (cwltest's convention)
UNSUPPORTED_EXIT = 33
SHOWN = 3  # problems named in the one line; the rest are counted
_LOCATED = re.compile(r"^(\S+?:\d+:\d+:)(\s*)(.*)$")


def has_location(text: str) -> bool:
    return bool(re.search(r"\S+:\d+:\d+:", text))


def fold(text: str) -> str:
    """Return text as one line: the deepest located entry (and how many more), or the lines joined."""
    entries: list[list[str | int]] = []  # [location, depth, text]
    loose: list[str] = []
    for line in text.strip().splitlines():
        match = _LOCATED.match(line)
        if match:
            entries.append([match.group(1), len(match.group(2)), match.group(3).strip()])
        elif entries:
            entries[-1][2] = f"{entries[-1][2]} {line.strip()}".strip()
        elif line.strip():
            loose.append(line.strip())
    if not entries:
        return " ".join(loose)
    depth = max(int(entry[1]) for entry in entries)
    deepest = [entry for entry in entries if entry[1] == depth and entry[2]]
    if not deepest:
        deepest = [entry for entry in entries if entry[2]] or entries
    # The deepest lines are the problems (one problem may span several, e.g. a source and its sink).
    shown = "; ".join(f"{location} {problem}" for location, _, problem in deepest[:SHOWN])
    more = f" (and {len(deepest) - SHOWN} more)" if len(deepest) > SHOWN else ""
    head = " ".join(loose)
    return f"{head + ' ' if head else ''}{shown}{more}".strip()


def not_cwl(document: str, error: BaseException) -> str:
    """Say why a document that failed before validation could say where is no CWL document."""
    if isinstance(error, StopIteration):
        return f"{document}: the document is empty"
    if isinstance(error, UnicodeDecodeError):
        return f"{document}: not a text document ({error.reason} at byte {error.start})"
    text = " ".join(str(error).split())
    if "must be a dict" in text:
        return f"{document}: not a CWL document (it must be a mapping with a 'class', not a list or a scalar)"
    return f"{document}: cannot load the document: {type(error).__name__}: {text}"
