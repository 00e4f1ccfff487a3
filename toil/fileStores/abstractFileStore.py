"""Toil's ``toil.fileStores.abstractFileStore`` import path: the file store a job sees."""

from toil.core.filestore import FileID, FileStore

AbstractFileStore = FileStore

__all__ = ["AbstractFileStore", "FileID"]
