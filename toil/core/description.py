"""JobDescription: the small, versioned JSON record the leader schedules.

A record is written when a job is created and rewritten once, atomically, when the job
commits (``ran`` becomes true and its successor phases are final). Restart rebuilds the
whole scheduling state from these records alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from toil.core.requirements import Requirements

RECORD_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 kept every body and return value in a blob of its own


class RecordError(ValueError):
    """A job record that cannot be read (torn, foreign or from a newer version)."""


@dataclass
class JobDescription:
    """What the leader knows of one job; the job's code and arguments live in its body."""

    job_id: str
    name: str
    requirements: Requirements
    #: successor phases: phases[0] are children, phases[1] follow-ons; more phases are
    #: possible (each phase starts when the previous phase's subtrees are done).
    phases: list[list[str]] = field(default_factory=lambda: [[], []])
    #: how many jobs list this one in a phase; it is ready when all have released it
    predecessors: int = 0
    display_name: str = ""
    #: the job has run and committed; its phases are final
    ran: bool = False
    #: run inside the leader process rather than as a batch job
    local: bool = False
    checkpoint: bool = False
    #: producers whose return values this job's body reads
    promises: list[str] = field(default_factory=list)
    #: files to delete once this job commits (journaled with the commit)
    files_to_delete: list[str] = field(default_factory=list)
    #: messages the job logged for the leader (job.log / fileStore.log_to_leader)
    messages: list[list[Any]] = field(default_factory=list)
    #: the job has code to run (a pickled body); a job without only groups its successors
    #: (stored as ``"body": false``)
    runs_code: bool = True
    unit_name: str = ""
    #: requirements computed from promises before the job is issued: a base64 pickle of
    #: {name: PromisedRequirement}, resolved by the leader once the producers have run
    promised_requirements: str = ""
    #: service host jobs of this job, in tiers (a tier starts once the previous one started)
    services: list[list[str]] = field(default_factory=list)
    #: "" for an ordinary job, "service" for a service host
    kind: str = ""
    #: the pickled body, base64, when small enough to travel in the record (toil.core.payload;
    #: stored as ``bd``); "" when it lives in the store's ``bodies`` or the record is kept light
    inline_body: str = ""
    #: the pickled return value, base64, in a committed record when small enough (stored as ``res``)
    inline_result: str = ""

    @property
    def successors(self) -> list[str]:
        return [job_id for phase in self.phases for job_id in phase]

    @property
    def service_ids(self) -> list[str]:
        return [job_id for tier in self.services for job_id in tier]

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":")).encode()

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data (what ``to_json`` writes)."""
        data: dict[str, Any] = {
            "v": RECORD_VERSION,
            "id": self.job_id,
            "name": self.name,
            "req": self.requirements.to_dict(),
            "phases": self.phases,
            "preds": self.predecessors,
        }
        optional: dict[str, Any] = {
            "display": self.display_name,
            "ran": self.ran,
            "local": self.local,
            "checkpoint": self.checkpoint,
            "promises": self.promises,
            "delete": self.files_to_delete,
            "messages": self.messages,
            "unit": self.unit_name,
            "preq": self.promised_requirements,
            "services": self.services,
            "kind": self.kind,
            "bd": self.inline_body,
            "res": self.inline_result,
        }
        data.update({key: value for key, value in optional.items() if value})
        if not self.runs_code:
            data["body"] = False
        return data

    @classmethod
    def from_json(cls, raw: bytes, where: str = "") -> JobDescription:
        """Read a record; of several versions (one a line: a store may append the commit), the last whole one.

        A commit cut short leaves a torn last line, which reads as the commit not made.
        """
        if b"\n" not in raw:
            return cls._from_version(raw, where)
        versions = raw.split(b"\n")
        for index in range(len(versions) - 1, 0, -1):
            try:
                return cls._from_version(versions[index], where)
            except RecordError:
                continue
        return cls._from_version(versions[0], where)

    @classmethod
    def _from_version(cls, raw: bytes, where: str) -> JobDescription:
        try:
            data = json.loads(raw)
        except ValueError as e:
            raise RecordError(f"job record {where} is unreadable: {e}") from None
        return cls.from_dict(data, where)

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> JobDescription:
        """A record from plain data (as ``to_dict`` gives); RecordError when it is not one."""
        try:
            version = data.get("v")
            if version not in READABLE_VERSIONS:
                raise RecordError(f"job record {where} has version {version!r}, this Toil reads {RECORD_VERSION}")
            return cls(
                job_id=data["id"],
                name=data["name"],
                requirements=Requirements.from_dict(data["req"]),
                phases=data["phases"],
                predecessors=data["preds"],
                display_name=data.get("display", ""),
                ran=data.get("ran", False),
                local=data.get("local", False),
                checkpoint=data.get("checkpoint", False),
                promises=data.get("promises", []),
                files_to_delete=data.get("delete", []),
                messages=data.get("messages", []),
                runs_code=data.get("body", True),
                unit_name=data.get("unit", ""),
                promised_requirements=data.get("preq", ""),
                services=data.get("services", []),
                kind=data.get("kind", ""),
                inline_body=data.get("bd", ""),
                inline_result=data.get("res", ""),
            )
        except RecordError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise RecordError(f"job record {where} is unreadable: {e}") from None

    def __str__(self) -> str:
        return f"'{self.display_name or self.name}' {self.job_id}"
