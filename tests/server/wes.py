"""A real ``toil server`` process on 127.0.0.1 and a small WES client over real HTTP (requests)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
DATA = Path(__file__).parent / "data"
CWL_DATA = REPO / "tests" / "integration" / "cwl" / "data"
TERMINAL = {"COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED"}
_SERVING = re.compile(r"serving WES 1\.1 at (http://\S+)")


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a server, worker or direct run: this checkout of toil first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


class WesServer:
    """``toil server --port 0`` in its own process; ``url`` is the WES base URL it announced."""

    def __init__(self, work_dir: Path, *args: str, token: str | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.work_dir = work_dir
        self.args = args
        self.token = token
        self.env = server_env(env)
        self.log_path = work_dir.parent / f"{work_dir.name}-server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def start(self, timeout: float = 60) -> WesServer:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "toil.cli.main", "server", "--port", "0", "--work_dir", str(self.work_dir),
                 *self.args], stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _SERVING.search(self.log_path.read_text(errors="replace"))
            if found and self.process.poll() is None:
                self.url = found.group(1)
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"toil server did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"toil server did not stop within 15 s of signal {sig}") from None
        assert sig != signal.SIGTERM or code == 0, f"toil server exited {code} on SIGTERM:\n{self.log()}"
        # a restarted server announces again: only the new announcement counts
        self.log_path.write_text(self.log().replace("serving WES 1.1 at", "served WES 1.1 at"))

    # ------------------------------------------------------------------ the WES calls
    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url + path, timeout=30, **kwargs)

    def submit(self, workflow_type: str, version: str, url: str, *, attachments: Mapping[str, Path | bytes] = {},
               params: str | None = None, engine: str | None = None) -> requests.Response:
        form = {"workflow_type": workflow_type, "workflow_type_version": version, "workflow_url": url}
        if params is not None:
            form["workflow_params"] = params
        if engine is not None:
            form["workflow_engine_parameters"] = engine
        files = [("workflow_attachment", (name, data if isinstance(data, bytes) else data.read_bytes()))
                 for name, data in attachments.items()]
        return self.post("/runs", data=form, files=files or None)

    def start_run(self, *args: Any, **kwargs: Any) -> str:
        response = self.submit(*args, **kwargs)
        assert response.status_code == 200, response.text
        run_id: str = response.json()["run_id"]
        return run_id

    def state(self, run_id: str) -> str:
        response = self.get(f"/runs/{run_id}/status")
        assert response.status_code == 200, response.text
        state: str = response.json()["state"]
        return state

    def wait(self, run_id: str, states: set[str] = TERMINAL, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(run_id)
            if state in states:
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} still {state} after {timeout} s (wanted {states})\n"
                                     f"{self.run_log(run_id)}\n{self.log()}")
            time.sleep(0.2)

    def run_log(self, run_id: str) -> dict[str, Any]:
        response = self.get(f"/runs/{run_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def run_dir(self, run_id: str) -> Path:
        return self.work_dir / run_id


def processes_of(run_dir: Path) -> list[str]:
    """Living processes that belong to a run: run from, working in, or pointed into its directory."""
    mark = str(run_dir)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(f"/proc/{entry}/cwd")
            environ = Path(f"/proc/{entry}/environ").read_bytes().decode(errors="replace")
        except (OSError, IndexError):
            continue
        if mark in cmdline or cwd.startswith(mark) or mark in environ:
            found.append(f"{entry}: {cmdline[:200]}")
    return found


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def wait_for_no_processes(run_dir: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while left := processes_of(run_dir):
        if time.monotonic() > deadline:
            raise AssertionError(f"processes of the run still there after {timeout} s:\n" + "\n".join(left))
        time.sleep(0.1)


def race(count: int, attempt: Callable[[], bool]) -> list[bool]:
    """Run ``attempt`` in ``count`` threads at once; their results, sorted."""
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(attempt())) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)
