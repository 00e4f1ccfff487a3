"""What every ``toil`` subcommand needs: open a job store, or fail with one clear line."""

from __future__ import annotations

import logging
from typing import NoReturn

from toil.core import payload, plugins
from toil.core.description import JobDescription, RecordError
from toil.core.jobstore import AbstractJobStore, JobStoreError, NoSuchBlobError
from toil.core.settings import ROOT_KEY

logger = logging.getLogger(__name__)


class CommandError(Exception):
    """A failure the user caused or can fix; ``toil`` prints it as one line and exits 1."""


def fail(message: str) -> NoReturn:
    raise CommandError(message)


def open_store(locator: str) -> AbstractJobStore:
    """Open an existing job store; fail when there is none, or it is not a job store."""
    try:
        store = plugins.open_job_store(locator)
    except (ValueError, plugins.UnknownPluginError) as e:
        fail(str(e))
    try:
        store.resume()
    except JobStoreError as e:
        text = str(e)
        if "nothing to restart" in text:
            text = f"The job store '{locator}' does not exist."
        fail(text)
    return store


def root_id(store: AbstractJobStore) -> str | None:
    """The id of the workflow's root job; None when the workflow never started."""
    try:
        return store.get("shared", ROOT_KEY).decode()
    except NoSuchBlobError:
        return None


def load_records(store: AbstractJobStore, light: bool = False) -> dict[str, JobDescription]:
    """Every job record in the store, by id (unreadable ones are reported and skipped).

    ``light``: without inline bodies and values (payload.lighten), for what only reads the graph.
    """
    records: dict[str, JobDescription] = {}
    for job_id, raw in store.get_many("jobs", store.keys("jobs")):  # those deleted while we list are left out
        try:
            record = JobDescription.from_json(raw, where=job_id)
            records[job_id] = payload.lighten(record) if light else record
        except RecordError as e:
            logger.warning("Skipping a job record: %s", e)
    return records


def failed_job_ids(store: AbstractJobStore, records: dict[str, JobDescription]) -> list[str]:
    """Jobs that have not run and left a failure log (they failed at least once and not since run)."""
    logged = set(store.keys("logs"))  # one listing rather than a lookup per job (remote stores)
    return sorted(job_id for job_id, record in records.items() if not record.ran and job_id in logged)


def describe(record: JobDescription) -> str:
    return f"'{record.display_name or record.name}' {record.job_id}"
