"""Toil's ``toil.lib.misc`` import path: type aliases Toil's API uses."""

from __future__ import annotations

import os
from typing import Union

StrPath = Union[str, "os.PathLike[str]"]
FileDescriptorOrPath = Union[int, str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

__all__ = ["FileDescriptorOrPath", "StrPath"]
