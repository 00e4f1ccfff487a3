"""Task runners: how a queued run gets an executor process (see :mod:`toil.server.executor`).

Both runners share the contract below. The local runner (the default) starts one executor
process per run on this machine; the Celery runner sends the run to a Celery worker, which
starts the same executor. Either way a run whose executor is gone is settled in SYSTEM_ERROR.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path

from toil.server import processes
from toil.server.settle import executor_command, settle_lost_run
from toil.server.states import ACTIVE, State, is_terminal
from toil.server.store import StateStore


class Runner:
    """What the HTTP layer needs from a task runner."""

    name = "abstract"

    def __init__(self, store: StateStore, work_dir: Path) -> None:
        self.store = store
        self.work_dir = work_dir

    def submit(self, run_id: str) -> None:
        raise NotImplementedError

    def revoke(self, run_id: str) -> None:
        """Forget a run canceled while QUEUED."""

    def cancel(self, run_id: str) -> None:
        """Hurry the executor of a run now CANCELING (it also notices by polling the store)."""
        executor = self.store.read(run_id, "executor")
        if processes.alive(executor):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(executor["pid"]), signal.SIGTERM)

    def reconcile(self, run_id: str) -> None:
        """Settle an active run whose executor died without saying how the run ended."""
        state = self.store.state(run_id)
        if state in ACTIVE and processes.alive(self.store.read(run_id, "executor")) is False:
            executor = self.store.read(run_id, "executor") or {}
            settle_lost_run(self.store, self.work_dir, run_id,
                            f"the run's executor (pid {executor.get('pid')}) ended before the run did")

    def resume(self) -> None:
        """After a (re)start: settle lost runs and make sure queued runs get executed.

        A queued run submitted twice still runs once: only one executor can move it out of QUEUED.
        """
        for run_id in self.store.run_ids():
            self.reconcile(run_id)
            if self.store.state(run_id) == State.QUEUED:
                self.submit(run_id)


class LocalRunner(Runner):
    """One executor process per run on this machine, in a session of its own so it outlives a server restart."""

    name = "local"

    def submit(self, run_id: str) -> None:
        with open(self.work_dir / run_id / "executor.log", "ab") as log:
            process = subprocess.Popen(executor_command(self.store, self.work_dir, run_id), stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=log, start_new_session=True)
        threading.Thread(target=self._watch, args=(run_id, process), daemon=True,
                         name=f"watch-{run_id}").start()

    def _watch(self, run_id: str, process: subprocess.Popen[bytes]) -> None:
        code = process.wait()
        if not is_terminal(self.store.state(run_id)) and (code != 0 or self.store.state(run_id) in ACTIVE):
            record = self.store.read(run_id, "executor")
            if record is None or int(record.get("pid", -1)) == process.pid:
                settle_lost_run(self.store, self.work_dir, run_id,
                                f"the run's executor exited with code {code} before the run ended "
                                "(see executor.log in the run directory)")


class CeleryRunner(Runner):
    """Runs go to Celery workers through a broker (Redis); the workers share the work directory."""

    name = "celery"

    def __init__(self, store: StateStore, work_dir: Path, broker: str) -> None:
        super().__init__(store, work_dir)
        from toil.server.celery_app import make_app

        self.broker = broker
        self.app = make_app(broker)

    def submit(self, run_id: str) -> None:
        self.app.send_task("toil.server.run", args=[self.store.locator, str(self.work_dir), run_id],
                           task_id=run_id)

    def revoke(self, run_id: str) -> None:
        self.app.control.revoke(run_id)
