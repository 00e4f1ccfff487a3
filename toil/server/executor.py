"""Run one WES run to its end: ``python -m toil.server.executor STATE_STORE WORK_DIR RUN_ID``.

Both task runners start this same process (the local runner directly, Celery from a task).
It moves the run QUEUED -> INITIALIZING -> RUNNING -> a terminal state, runs the workflow's
command in a session of its own, and stops the whole process tree when the run is canceled
(the state store says CANCELING, or it gets SIGTERM). Whatever goes wrong in here ends the
run in SYSTEM_ERROR; it never stays QUEUED or RUNNING.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from toil.server import commands, processes
from toil.server.layout import RunPaths
from toil.server.locator import open_state_store
from toil.server.states import State
from toil.server.store import StateStore

POLL_SECONDS = 0.5


class Execution:
    def __init__(self, store: StateStore, work_dir: Path, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self.paths = RunPaths(work_dir / run_id)
        self.signaled = False
        self.log: dict[str, Any] = {"name": run_id, "cmd": [], "start_time": None, "end_time": None,
                                    "exit_code": None, "system_logs": []}

    def cancel_requested(self) -> bool:
        return self.signaled or self.store.state(self.run_id) == State.CANCELING

    def finish(self, state: State, message: str | None = None) -> None:
        self.log["end_time"] = _now()
        if message:
            self.log["system_logs"].append(message)
        self.store.write(self.run_id, "log", self.log)
        if state == State.CANCELED and self.store.state(self.run_id) != State.CANCELING:
            self.store.move(self.run_id, State.CANCELING)
        if not self.store.move(self.run_id, state):
            self.store.move(self.run_id, State.SYSTEM_ERROR)

    def run(self) -> None:
        if not self.store.move(self.run_id, State.INITIALIZING, only_from=frozenset({State.QUEUED}),
                               also={"executor": processes.identity()}):
            return  # canceled before it started, or another executor has it
        self.log["start_time"] = _now()
        try:
            self._run()
        except Exception as e:  # noqa: BLE001 - any failure of ours is a system error, never a stuck run
            self.finish(State.SYSTEM_ERROR, f"toil server: the run failed to execute: {type(e).__name__}: {e}")

    def _run(self) -> None:
        request = self.store.read(self.run_id, "request")
        for directory in (self.paths.outputs, self.paths.tmp, self.paths.task_logs):
            directory.mkdir(parents=True, exist_ok=True)
        try:
            argv = commands.command(request, self.paths)
        except Exception as e:  # noqa: BLE001 - a URL that cannot be fetched is the submitter's error
            self.finish(State.EXECUTOR_ERROR, f"toil server: cannot fetch the workflow {request['workflow_url']}: "
                                              f"{type(e).__name__}: {e}")
            return
        self.log["cmd"] = argv
        if self.cancel_requested() or not self.store.move(self.run_id, State.RUNNING):
            self.finish(State.CANCELED)
            return
        self.store.write(self.run_id, "log", self.log)
        code = self._supervise(argv)
        self.log["exit_code"] = code
        commands.clean_scratch(self.paths)
        if self.cancel_requested():
            self.finish(State.CANCELED)
        elif code == 0:
            self.store.write(self.run_id, "outputs", commands.collect_outputs(request, self.paths))
            self.finish(State.COMPLETE)
        else:
            self.log["system_logs"].extend(commands.stderr_tail(self.paths))
            self.finish(State.EXECUTOR_ERROR, f"toil server: the workflow exited with code {code}")

    def _supervise(self, argv: list[str]) -> int:
        """Run ``argv`` to its end, or stop its whole tree on cancel; then stop anything it left behind."""
        env = dict(os.environ, TMPDIR=str(self.paths.tmp))
        with open(self.paths.stdout, "wb") as out, open(self.paths.stderr, "wb") as err:
            child = subprocess.Popen(argv, cwd=self.paths.workflow, stdout=out, stderr=err, env=env,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.store.write(self.run_id, "child", processes.identity(child.pid))
        while True:
            try:
                code = child.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if self.cancel_requested():
                    processes.stop_tree(child.pid)
                    code = child.wait()
                    break
        processes.stop_tree(None, grace=2.0)  # whatever the workflow left running (we adopted it)
        return code


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="toil-server-executor", description=__doc__)
    parser.add_argument("state_store")
    parser.add_argument("work_dir")
    parser.add_argument("run_id")
    options = parser.parse_args(argv)
    execution = Execution(open_state_store(options.state_store), Path(options.work_dir).resolve(), options.run_id)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        execution.signaled = True

    signal.signal(signal.SIGTERM, on_sigterm)
    processes.become_subreaper()
    execution.run()


if __name__ == "__main__":
    main(sys.argv[1:])
