"""The names every job store accepts: blob keys, namespaces and file ids.

Keys and file ids are the same on every kind of store, so that a workflow (and its tests)
can move between them; each store checks them with these functions.
"""

from __future__ import annotations

import os
import re
import uuid

from toil.core.jobstore import NAMESPACES

KEY_RE = re.compile(r"[A-Za-z0-9._-]{1,200}")
FILE_ID_RE = re.compile(r"([0-9a-f]{32})(?:/([A-Za-z0-9._-]{1,100}))?")
_UNSAFE_CHARS_RE = re.compile(r"[^A-Za-z0-9._-]")


def check_namespace(namespace: str) -> None:
    if namespace not in NAMESPACES:
        raise ValueError(f"Unknown job store namespace '{namespace}'.")


def check_key(key: str) -> None:
    if not KEY_RE.fullmatch(key) or key in (".", ".."):
        raise ValueError(f"Invalid job store key {key!r}: use 1-200 characters from A-Z a-z 0-9 . _ -.")


def check_file_id(file_id: str) -> re.Match[str]:
    """Return the id's parts (hex id, basename or None); raise ValueError for an id no store makes."""
    match = FILE_ID_RE.fullmatch(file_id)
    if match is None or match.group(2) in (".", ".."):
        raise ValueError(f"Invalid file id {file_id!r}: not made by this job store.")
    return match


def new_file_id(basename: str | None = None) -> str:
    """Return ``<32 hex digits>`` or ``<32 hex digits>/<basename made safe>``.

    The basename in an id is only a hint (unsafe characters become '_'); callers that
    need the exact original name must keep it themselves.
    """
    hex_id = uuid.uuid4().hex
    if not basename:
        return hex_id
    safe = _UNSAFE_CHARS_RE.sub("_", os.path.basename(basename.rstrip("/")))[-100:]
    if not safe or safe in (".", ".."):
        return hex_id
    return f"{hex_id}/{safe}"
