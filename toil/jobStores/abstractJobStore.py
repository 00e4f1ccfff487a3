"""Toil's ``toil.jobStores.abstractJobStore`` import path: the job-store contract and its errors."""

from toil.core.jobstore import (
    AbstractJobStore,
    JobStoreCreationError,
    JobStoreError,
    JobStoreExistsError,
    JobStoreLockedError,
    NoSuchBlobError,
    NoSuchFileError,
    NoSuchJobStoreError,
    NotAJobStoreError,
    parse_locator,
)

# Toil's names for the same errors.
NoSuchFileException = NoSuchFileError
NoSuchJobException = NoSuchBlobError
NoSuchJobStoreException = NoSuchJobStoreError
JobStoreExistsException = JobStoreExistsError
InvalidImportExportUrlException = ValueError
LocatorException = ValueError
UnimplementedURLException = ValueError

__all__ = [
    "AbstractJobStore",
    "InvalidImportExportUrlException",
    "JobStoreCreationError",
    "JobStoreError",
    "JobStoreExistsError",
    "JobStoreExistsException",
    "JobStoreLockedError",
    "LocatorException",
    "NoSuchFileError",
    "NoSuchFileException",
    "NoSuchJobException",
    "NoSuchJobStoreException",
    "NotAJobStoreError",
    "UnimplementedURLException",
    "parse_locator",
]
