"""Moving files between URLs and the job store, and the one URI scheme for stored files.

Both front-ends name a file that lives in the job store as ``toilfile:<file id>``; a
worker turns such a URI back into a file id and reads it through its file store.
"""

from __future__ import annotations

import urllib.parse

from toil.core import plugins
from toil.core.jobstore import AbstractJobStore

SCHEME = "toilfile"
PREFIX = SCHEME + ":"


def import_url(store: AbstractJobStore, url: str, link: bool = False) -> tuple[str, int]:
    """Copy a file at a path or URL into the job store (``link``: linked in where the store can)."""
    result: tuple[str, int] = plugins.url_registry().import_url(store, url, link)
    return result


def export_url(store: AbstractJobStore, file_id: str, url: str, link: bool = False, move: bool = False) -> None:
    """Copy a stored file to a path or URL (``link``: a hard link, ``move``: moved, where the store allows)."""
    plugins.url_registry().export_url(store, file_id, url, link, move)


def stored_uri(file_id: str) -> str:
    """The URI both front-ends use for a file in the job store."""
    return PREFIX + urllib.parse.quote(str(file_id), safe="/")


def is_stored(uri: str) -> bool:
    return uri.startswith(PREFIX)


def file_id_of(uri: str) -> str:
    """The file id a ``toilfile:`` URI names; raise ValueError for anything else."""
    if not is_stored(uri):
        raise ValueError(f"'{uri}' is not a job-store file URI ({PREFIX}...)")
    return urllib.parse.unquote(uri[len(PREFIX):])
