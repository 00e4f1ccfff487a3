"""Job bodies and return values: inside the job's record when small, else in their own blob.

Most jobs of a big workflow are small (a scatter element's body is about 1 KB, its return
value a few hundred bytes). Writing each as a file of its own costs an inode apiece on a
file job store, and creating inodes is what a local filesystem does slowest under the churn
of thousands of short jobs. So a body or value up to ``INLINE_LIMIT`` bytes travels base64
encoded in the record itself: the body in the record written when the job is created (and
kept by the commit, for ``toil debug-job``), the value in the record the job's commit
writes. Larger ones keep their blob in the ``bodies`` and ``results`` namespaces, and
stores written before records carried them read as before.
"""

from __future__ import annotations

import base64

from toil.core.description import JobDescription, RecordError
from toil.core.jobstore import AbstractJobStore

INLINE_LIMIT = 16 * 1024


def keep_body(store: AbstractJobStore, record: JobDescription, body: bytes) -> None:
    """Put a new job's body in its record (when small) or in the store (written at once)."""
    if len(body) <= INLINE_LIMIT and not record.checkpoint:  # a checkpoint's reset record has no body
        record.inline_body = base64.b64encode(body).decode()
    else:
        record.inline_body = ""
        store.put("bodies", record.job_id, body)


def read_body(store: AbstractJobStore, record: JobDescription) -> bytes:
    """A job's body, from the record, else from the stored record (the leader keeps records light)."""
    if record.inline_body:
        return base64.b64decode(record.inline_body)
    stored = JobDescription.from_json(store.get("jobs", record.job_id), where=record.job_id)
    if stored.inline_body:
        record.inline_body = stored.inline_body  # so that the commit keeps it
        return base64.b64decode(stored.inline_body)
    return store.get("bodies", record.job_id)


def lighten(record: JobDescription) -> JobDescription:
    """Drop the inline body and value from a record the leader keeps (read again when needed).

    A local job that has yet to run keeps its body: the leader runs it without reading it back.
    """
    if record.ran or not record.local:
        record.inline_body = ""
    record.inline_result = ""
    return record


def keep_result(store: AbstractJobStore, record: JobDescription, value: bytes) -> None:
    """Put a job's return value in the record its commit writes (when small) or in the store."""
    if len(value) <= INLINE_LIMIT:
        record.inline_result = base64.b64encode(value).decode()
    else:
        record.inline_result = ""
        store.put("results", record.job_id, value)


def read_result(store: AbstractJobStore, job_id: str) -> bytes:
    """The committed return value of a job (KeyError when the job has not committed one)."""
    raw = store.get("jobs", job_id)
    try:
        record = JobDescription.from_json(raw, where=job_id)
    except RecordError:
        record = None
    if record is not None and record.inline_result:
        return base64.b64decode(record.inline_result)
    return store.get("results", job_id)


def body_stored(record: JobDescription, body_keys: set[str]) -> bool:
    """Tell whether the job's body is stored: inline in its record or as a blob (one of body_keys)."""
    return bool(record.inline_body) or record.job_id in body_keys


def result_stored(record: JobDescription, result_keys: set[str]) -> bool:
    """Tell whether the job's return value is stored: inline in its record or as a blob (one of result_keys)."""
    return bool(record.inline_result) or record.job_id in result_keys
