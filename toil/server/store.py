"""Where the server keeps what it knows of each run, so that a restarted server still knows it.

A state store holds small JSON records per run (``state``, ``request``, ``log``, ``executor``
...). The local store keeps them under ``ROOT/RUN_ID/wes/``; each write is atomic (write, then
rename) and state changes are compare-and-set under a lock file, so the server and a run's
executor (another process, perhaps on another host sharing the directory) never race.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
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


class StateStore:
    """Run records in a local (or shared) directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def _dir(self, run_id: str) -> Path:
        if not valid_run_id(run_id):
            raise KeyError(run_id)
        return self.root / run_id / "wes"

    def create(self, run_id: str, request: dict[str, Any]) -> None:
        """Record a new run in the UNKNOWN state with the request that made it."""
        self._dir(run_id).mkdir(parents=True, exist_ok=False)
        self.write(run_id, "request", dict(request, submitted=time.time()))
        self.write(run_id, "state", {"state": State.UNKNOWN.value, "history": []})

    def exists(self, run_id: str) -> bool:
        return valid_run_id(run_id) and (self._dir(run_id) / "request.json").is_file()

    def read(self, run_id: str, key: str) -> Any:
        """The record ``key`` of a run, or None when there is none."""
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

    def state(self, run_id: str) -> State:
        record = self.read(run_id, "state")
        return State(record["state"]) if record else State.UNKNOWN

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
        """Move a run to ``target`` if that is allowed from its current state; say whether it moved.

        The records in ``also`` are written with the move, under the same lock.
        """
        with self._locked(run_id):
            record = self.read(run_id, "state") or {"state": State.UNKNOWN.value, "history": []}
            current = State(record["state"])
            if (only_from is not None and current not in only_from) or not can_move(current, target):
                return False
            record["history"].append([current.value, time.time()])
            record["state"] = target.value
            for key, value in (also or {}).items():
                self.write(run_id, key, value)
            self.write(run_id, "state", record)
            return True

    def run_ids(self) -> list[str]:
        """Every run, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for entry in self.root.iterdir():
            if valid_run_id(entry.name):
                request = self.read(entry.name, "request")
                if request is not None:
                    found.append((request.get("submitted", 0.0), entry.name))
        return [run_id for _, run_id in sorted(found)]
