"""Running test scripts the way a user runs a workflow script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "scripts"
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def script_command(script: Path | str, *args: object, env: dict[str, str] | None = None, argv0: str | None = None,
                   ) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run a script with this checkout of toil first on the path.

    argv0 is the script's path as typed on the command line (e.g. relative to the working directory).
    """
    path = argv0 or (Path(script) if os.path.isabs(script) else SCRIPTS / script)
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    environment.update(env or {})
    return [sys.executable, str(path), *map(str, args)], environment


def run_script(script: Path | str, *args: object, cwd: Path, timeout: float = 60,
               env: dict[str, str] | None = None, argv0: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a script as a user would and wait for it."""
    command, environment = script_command(script, *args, env=env, argv0=argv0)
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout,
                          check=False)


def result_of(proc: subprocess.CompletedProcess[str]) -> str:
    """The text after ``RESULT `` in the script's output; fail with its stderr when missing."""
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT")]
    assert len(lines) == 1, f"expected one RESULT line\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return lines[0][len("RESULT"):].strip()


def json_result(proc: subprocess.CompletedProcess[str]) -> object:
    return json.loads(result_of(proc))


def output_or_fail(process: subprocess.Popen[bytes], timeout: float, what: str, log_tail: Callable[[], str]) -> str:
    """The stdout of a run once it ends; kill it and fail the test (with its log's tail) if it hangs."""
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"{what} hung for {timeout} s; log:\n{log_tail()}")
    return out.decode(errors="replace")
