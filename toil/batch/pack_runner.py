"""The program one scheduler submission runs when it carries many jobs (a "pack").

    python -m toil.batch.pack_runner < PACK.json

``PACK.json`` (written by ``toil.batch.packs.pack_script``) names the job store, the key the outcomes
go to, how many jobs may run at once (the allocation holds that many of them) and each job's
batch id, command and environment. Jobs start in order, at most ``slots`` at a time, each in a
session of its own. After each job ends, the outcomes so far (batch id to exit status and wall
seconds; signals negative) are written to the job store's ``shared`` area under the key, so the
leader can report every job on its own even when the nodes share no disk with it.

On SIGTERM (the scheduler cancelling the submission) the running jobs get SIGTERM, then
SIGKILL after a few seconds; the outcomes of the jobs that had finished are written and the
runner exits; jobs without an outcome are the leader's to report (killed, or run again).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

TERM_GRACE = 3.0  # seconds between SIGTERM and SIGKILL for the jobs of a cancelled pack


@dataclass
class _Running:
    batch_id: int
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)


class PackRunner:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.todo: list[dict[str, Any]] = list(document["jobs"])
        self.slots = max(1, int(document.get("slots", 1)))
        self.running: list[_Running] = []
        self.outcomes: dict[str, list[float]] = {}
        self.stopping = False
        self.store: Any = None

    def record(self) -> None:
        """Write the outcomes so far to the job store (or to a file, for tests without a store)."""
        data = json.dumps(self.outcomes).encode()
        if self.document.get("store"):
            if self.store is None:
                from toil.batch.deploy import open_store

                self.store = open_store(self.document["store"])
            self.store.put("shared", self.document["key"], data)
        else:
            with open(self.document["key"] + ".tmp", "wb") as handle:
                handle.write(data)
            os.replace(self.document["key"] + ".tmp", self.document["key"])

    def start(self, job: dict[str, Any]) -> None:
        env = {**os.environ, **job.get("env", {})}
        process = subprocess.Popen(["/bin/sh", "-c", job["command"]], env=env, start_new_session=True)
        self.running.append(_Running(int(job["id"]), process))

    def reap(self) -> bool:
        """Collect the jobs that ended; tell whether any did."""
        ended = [r for r in self.running if r.process.poll() is not None]
        for r in ended:
            self.running.remove(r)
            code = r.process.returncode
            self.outcomes[str(r.batch_id)] = [code, time.monotonic() - r.started]
        return bool(ended)

    def stop(self, *_: object) -> None:
        self.stopping = True
        for r in self.running:
            _signal_group(r.process, signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        while (self.todo or self.running) and not self.stopping:
            while self.todo and len(self.running) < self.slots:
                self.start(self.todo.pop(0))
            time.sleep(0.05)
            if not self.stopping and self.reap():
                self.record()
        if self.stopping:
            deadline = time.monotonic() + TERM_GRACE
            while any(r.process.poll() is None for r in self.running) and time.monotonic() < deadline:
                time.sleep(0.05)
            for r in self.running:
                _signal_group(r.process, signal.SIGKILL)
            self.record()  # the jobs stopped here have no outcome: the leader reports them
            return 143
        return 0


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(OSError):
        os.killpg(process.pid, sig)


def main() -> int:
    document = json.load(sys.stdin)
    return PackRunner(document).run()


if __name__ == "__main__":
    sys.exit(main())
