"""Toil's ``toil.jobStores.fileJobStore`` import path: the job store kept in a directory."""

from toil.stores.file import FileJobStore

__all__ = ["FileJobStore"]
