"""--restart after a killed leader resumes a CWL workflow without re-running finished steps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
WORKFLOW = Path(__file__).parent / "data" / "restart-wf.cwl"


def command(*args: object) -> tuple[list[str], dict[str, str]]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return [sys.executable, "-m", "toil.cwl.cli", *map(str, args)], environment


def test_restart_skips_finished_steps(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    args = ["--jobStore", tmp_path / "js", "--outdir", tmp_path / "out", WORKFLOW, "--marker", marker]
    argv, environment = command(*args)
    leader = subprocess.Popen(argv, env=environment, cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not marker.exists() and time.monotonic() < deadline:
            assert leader.poll() is None, "the leader ended before the first step ran"
            time.sleep(0.5)
        assert marker.exists(), "the first step never ran"
        time.sleep(3)  # let the first step commit; the second sleeps 15 s
        os.killpg(leader.pid, signal.SIGKILL)
    finally:
        leader.wait()
    argv, environment = command("--restart", *args)
    done = subprocess.run(argv, env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["out"]["basename"] == "second.txt"
    assert (tmp_path / "out" / "second.txt").read_text() == "first\n"
    assert marker.read_text() == "ran\n", "the finished first step ran again"
