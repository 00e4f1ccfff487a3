"""Moving files between URLs and the job store, for the engine and both front-ends."""

from __future__ import annotations

from toil.core import plugins
from toil.core.jobstore import AbstractJobStore


def import_url(store: AbstractJobStore, url: str) -> tuple[str, int]:
    """Copy a file at a path or URL into the job store; return (file id, size)."""
    result: tuple[str, int] = plugins.url_registry().import_url(store, url)
    return result


def export_url(store: AbstractJobStore, file_id: str, url: str) -> None:
    """Copy a stored file to a path or URL."""
    plugins.url_registry().export_url(store, file_id, url)
