"""Toil's ``toil.common`` import path: the Toil context manager and Config."""

from toil.core.errors import ToilContextError
from toil.core.options import Config
from toil.core.toil import Toil

# Toil's name for "the Toil object was used outside its with-block".
ToilContextManagerException = ToilContextError

__all__ = ["Config", "Toil", "ToilContextManagerException"]
