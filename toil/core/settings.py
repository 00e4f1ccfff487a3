"""What every worker of a workflow needs to know, kept in the job store as JSON.

The one way settings reach a worker besides its command line (the job store's locator and
the job's id): the leader builds them from its options once a run (toil.core.toil) and
saves them before any job can start; a worker reads them once a process.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from toil.core.description import RecordError
from toil.core.jobstore import AbstractJobStore
from toil.core.logs import JobReporting
from toil.core.requirements import Requirements

SETTINGS_KEY = "settings"
ROOT_KEY = "root"
SETTINGS_VERSION = 1


@dataclass
class WorkflowSettings:
    workflow_id: str
    defaults: Requirements = field(default_factory=Requirements)
    disable_chaining: bool = False
    work_dir: str = "/tmp"
    environment: dict[str, str] = field(default_factory=dict)
    log_level: str = "INFO"
    #: --caching: share read files between the jobs of a machine (toil.core.cache)
    caching: bool = False
    #: import paths the user's code needs (the script's directory first)
    user_paths: list[str] = field(default_factory=list)
    #: what workers keep of each job for --stats and --writeLogs
    reporting: JobReporting = field(default_factory=JobReporting)
    #: the front-end's own settings for its jobs (plain JSON data; toil-cwl-runner's RunOptions):
    #: set by the runner on the Toil object before start, kept as they were by --restart
    frontend: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        data: dict[str, Any] = asdict(self)
        data["defaults"] = self.defaults.to_dict()
        data["v"] = SETTINGS_VERSION
        return json.dumps(data, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> WorkflowSettings:
        """Read settings back; anything damaged or foreign raises RecordError (a ValueError)."""
        try:
            data = json.loads(raw)
            data.pop("v", None)
            data["defaults"] = Requirements.from_dict(data["defaults"])
            data["reporting"] = JobReporting(**data.get("reporting", {}))
            return cls(**data)
        except (ValueError, AttributeError, TypeError, KeyError) as e:
            raise RecordError(f"the workflow settings in the job store are unreadable: {e}") from None


def save_settings(store: AbstractJobStore, settings: WorkflowSettings) -> None:
    store.put("shared", SETTINGS_KEY, settings.to_json())


def load_settings(store: AbstractJobStore) -> WorkflowSettings:
    return WorkflowSettings.from_json(store.get("shared", SETTINGS_KEY))
