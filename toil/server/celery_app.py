"""The Celery side of the server: ``celery -A toil.server.celery_app worker``.

The broker comes from ``TOIL_WES_BROKER_URL`` (default redis://127.0.0.1:6379/0). A task runs
one executor process for its run and waits for it; the executor does all the state keeping.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from celery import Celery

from toil.server.locator import open_state_store
from toil.server.settle import executor_command, settle_lost_run
from toil.server.states import is_terminal

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


def make_app(broker: str | None = None) -> Celery:
    celery = Celery("toil.server", broker=broker or os.environ.get("TOIL_WES_BROKER_URL", DEFAULT_BROKER))
    celery.conf.update(task_serializer="json", accept_content=["json"], task_ignore_result=True,
                       task_acks_late=True, worker_prefetch_multiplier=1,
                       broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)
    return celery


app = make_app()


@app.task(name="toil.server.run")  # type: ignore[untyped-decorator]  # celery is untyped
def run_workflow(state_store: str, work_dir: str, run_id: str) -> int:
    """Execute one run; if its executor dies without ending the run, end it in SYSTEM_ERROR."""
    store = open_state_store(state_store)
    log_path = Path(work_dir) / run_id / "executor.log"
    with open(log_path, "ab") as log:
        code = subprocess.call(executor_command(store, Path(work_dir), run_id), stdin=subprocess.DEVNULL,
                               stdout=log, stderr=log, start_new_session=True)
    if code != 0 and not is_terminal(store.state(run_id)):
        settle_lost_run(store, Path(work_dir), run_id, f"the run's executor exited with code {code} on a Celery worker")
    return code
