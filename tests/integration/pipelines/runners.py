"""Running toil-cwl-runner and toil-wdl-runner from this checkout as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.wdl.runner import outputs_of, run_wdl

REPO = Path(__file__).resolve().parents[3]

__all__ = ["outputs_of", "run_cwl", "run_wdl"]


def run_cwl(*args: object, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """toil-cwl-runner with these arguments, this checkout first on the path."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "toil.cwl.cli", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout, check=False)
