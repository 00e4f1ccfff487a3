"""Running toil-wdl-runner from this checkout the way a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]


def run_wdl(*args: object, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """toil-wdl-runner with these arguments, this checkout first on the path."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "toil.wdl.cli", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout, check=False)


def outputs_of(proc: subprocess.CompletedProcess[str]) -> Any:
    """The output JSON of a run that must have succeeded."""
    assert proc.returncode == 0, f"exit {proc.returncode}\nstderr:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout)
