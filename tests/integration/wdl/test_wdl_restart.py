"""--restart after the leader is killed resumes a WDL workflow without re-running finished calls."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.chaos]

REPO = Path(__file__).resolve().parents[3]

CHAIN = """\
version 1.0
workflow chain {
  input { String log }
  call step as a { input: name = "a", log = log, wait = 0 }
  call step as b { input: name = "b", log = log, wait = 30, after = a.out }
  call step as c { input: name = "c", log = log, wait = 0, after = b.out }
  output { String last = c.out }
}
task step {
  input { String name  String log  Int wait  String after = "" }
  command <<<
    echo "~{name}" >> ~{log}
    if [ ~{wait} -gt 0 ] && [ ! -e ~{log}.fast ]; then sleep ~{wait}; fi
    echo "~{after}~{name}"
  >>>
  output { String out = read_string(stdout()) }
}
"""


def command(*args: object) -> tuple[list[str], dict[str, str]]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return [sys.executable, "-m", "toil.wdl.cli", *map(str, args)], environment


def test_restart_after_killed_leader(tmp_path: Path) -> None:
    wdl = tmp_path / "chain.wdl"
    wdl.write_text(CHAIN)
    log = tmp_path / "steps.log"
    store = tmp_path / "store"
    argv, env = command(wdl, json.dumps({"chain.log": str(log)}), "--jobStore", store, "-o", tmp_path / "out")
    leader = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (log.exists() and "b" in log.read_text().split()):
        time.sleep(0.2)
    assert log.exists() and log.read_text().split() == ["a", "b"], "step b never started"
    os.killpg(leader.pid, signal.SIGKILL)  # the leader and everything it started
    leader.wait()
    (tmp_path / "steps.log.fast").touch()
    argv, env = command(wdl, "--jobStore", store, "--restart", "-o", tmp_path / "out")
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"chain.last": "abc"}
    assert log.read_text().split() == ["a", "b", "b", "c"]  # a ran once; b was cut short and ran again
