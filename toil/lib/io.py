"""Small file helpers under Toil's ``toil.lib.io`` path."""

from __future__ import annotations

import os
import tempfile


def mkdtemp(suffix: str | None = None, prefix: str | None = None, dir: str | None = None) -> str:
    """Make a new temporary directory and return its absolute path."""
    return os.path.abspath(tempfile.mkdtemp(suffix=suffix, prefix=prefix, dir=dir))
