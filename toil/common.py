"""Toil's ``toil.common`` import path: the Toil context manager and Config."""

from toil.core.options import Config
from toil.core.toil import Toil

__all__ = ["Config", "Toil"]
