"""The state store a ``--state_store`` value names."""

from __future__ import annotations

from toil.server.s3_store import S3StateStore
from toil.server.store import LocalStateStore, StateStore


def open_state_store(locator: str) -> StateStore:
    """The state store of ``s3://BUCKET/PREFIX`` or of a directory."""
    if locator.startswith("s3://"):
        return S3StateStore(locator)
    return LocalStateStore(locator)
