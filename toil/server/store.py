"""Where the server keeps what it knows of each run, so that a restarted server still knows it.

A state store holds small JSON records per run (``state``, ``request``, ``log``, ``executor``
...). State changes are compare-and-set, so the server and a run's executor (another process,
perhaps on another host) never race: the local store (a directory, the default) does it under
a lock file, the S3 store (``s3://BUCKET/PREFIX``, see :mod:`toil.server.s3_store`) with
conditional writes.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from toil.server.states import State, can_move

RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def new_run_id() -> str:
    return uuid.uuid4().hex


def valid_run_id(text: str) -> bool:
    return bool(RUN_ID.match(text))


def moved(record: dict[str, Any] | None, target: State, only_from: frozenset[State] | None) -> dict[str, Any] | None:
    """The state record after a move to ``target``, or None when the move is not allowed."""
    record = record or {"state": State.UNKNOWN.value, "history": []}
    current = State(record["state"])
    if (only_from is not None and current not in only_from) or not can_move(current, target):
        return None
    return {"state": target.value, "history": [*record["history"], [current.value, time.time()]]}


class StateStore:
    """The records of every run, by run id and record name."""

    #: what an executor is given to open the same store
    locator: str

    def read(self, run_id: str, key: str) -> Any:
        """The record ``key`` of a run, or None when there is none."""
        raise NotImplementedError

    def write(self, run_id: str, key: str, value: Any) -> None:
        raise NotImplementedError

    def exists(self, run_id: str) -> bool:
        raise NotImplementedError

    def move(self, run_id: str, target: State, only_from: frozenset[State] | None = None,
             also: dict[str, Any] | None = None) -> bool:
        """Move a run to ``target`` if that is allowed from its current state; say whether it moved.

        The records in ``also`` are written when it moved.
        """
        raise NotImplementedError

    def run_ids(self) -> list[str]:
        """Every run, oldest first."""
        raise NotImplementedError

    def forget(self, run_id: str) -> None:
        """Drop every record of a run (one whose submission failed half-way)."""
        raise NotImplementedError

    def create(self, run_id: str, request: dict[str, Any]) -> None:
        """Record a new run in the UNKNOWN state with the request that made it."""
        if not valid_run_id(run_id):
            raise KeyError(run_id)
        self.write(run_id, "request", dict(request, submitted=time.time()))
        self.write(run_id, "state", {"state": State.UNKNOWN.value, "history": []})

    def state(self, run_id: str) -> State:
        record = self.read(run_id, "state")
        return State(record["state"]) if record else State.UNKNOWN


class LocalStateStore(StateStore):
    """Run records under ``ROOT/RUN_ID/wes/`` in a local (or shared) directory; each write is atomic."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.locator = str(self.root)

    def _dir(self, run_id: str) -> Path:
        if not valid_run_id(run_id):
            raise KeyError(run_id)
        return self.root / run_id / "wes"

    def create(self, run_id: str, request: dict[str, Any]) -> None:
        self._dir(run_id).mkdir(parents=True, exist_ok=False)
        super().create(run_id, request)

    def exists(self, run_id: str) -> bool:
        return valid_run_id(run_id) and (self._dir(run_id) / "request.json").is_file()

    def read(self, run_id: str, key: str) -> Any:
        try:
            return json.loads((self._dir(run_id) / f"{key}.json").read_text())
        except FileNotFoundError:
            return None

    def write(self, run_id: str, key: str, value: Any) -> None:
        directory = self._dir(run_id)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(value, handle)
        os.replace(temp, directory / f"{key}.json")

    @contextmanager
    def _locked(self, run_id: str) -> Iterator[None]:
        with open(self._dir(run_id) / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def move(self, run_id: str, target: State, only_from: frozenset[State] | None = None,
             also: dict[str, Any] | None = None) -> bool:
        with self._locked(run_id):
            record = moved(self.read(run_id, "state"), target, only_from)
            if record is None:
                return False
            for key, value in (also or {}).items():
                self.write(run_id, key, value)
            self.write(run_id, "state", record)
            return True

    def run_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        found = []
        for entry in self.root.iterdir():
            if valid_run_id(entry.name):
                request = self.read(entry.name, "request")
                if request is not None:
                    found.append((request.get("submitted", 0.0), entry.name))
        return [run_id for _, run_id in sorted(found)]

    def forget(self, run_id: str) -> None:
        shutil.rmtree(self._dir(run_id), ignore_errors=True)
