"""Toil's ``toil.fileStores`` import path: the file store a job sees and FileID."""

from toil.core.filestore import FileID, FileStore

AbstractFileStore = FileStore

__all__ = ["AbstractFileStore", "FileID", "FileStore"]
