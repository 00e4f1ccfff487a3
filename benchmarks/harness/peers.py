"""The systems we compare: ours (this checkout) and the peers, each in its own virtual environment.

A peer's environment is built once under the cache directory and reused while the requirements
written in its ``.bench-spec`` file are the ones below; change a pin and it is rebuilt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

# Pinned so that runs months apart compare the same peers.
PEER_REQUIREMENTS: dict[str, list[str]] = {
    "toil96": ["toil[cwl,wdl]==9.6.0"],
    "cwltool": ["cwltool==3.3.20260925135507"],
    "miniwdl": ["miniwdl==1.16.0", "miniwdl-backend-bare==0.0.1"],
}
SPEC_FILE = ".bench-spec"


@dataclass(frozen=True)
class Environment:
    """Where a system's executables are, and the environment variables to run them with."""

    bin_dir: str
    python: str

    def tool(self, name: str) -> str:
        path = os.path.join(self.bin_dir, name)
        if os.path.exists(path):
            return path
        found = shutil.which(name)
        if found is None:
            raise FileNotFoundError(f"no {name} in {self.bin_dir} or on PATH")
        return found


def ours() -> Environment:
    """This checkout, as installed in the interpreter running the harness (`make install`)."""
    return Environment(os.path.dirname(sys.executable), sys.executable)


def venv_dir(cache: str, name: str) -> str:
    return os.path.join(cache, "venvs", name)


def peer(cache: str, name: str) -> Environment:
    root = venv_dir(cache, name)
    return Environment(os.path.join(root, "bin"), os.path.join(root, "bin", "python"))


def is_ready(cache: str, name: str) -> bool:
    spec = os.path.join(venv_dir(cache, name), SPEC_FILE)
    if not os.path.exists(spec):
        return False
    with open(spec) as f:
        return f.read().split() == PEER_REQUIREMENTS[name]


def ensure_peer(cache: str, name: str, log: str) -> Environment:
    """Create (or reuse) the peer's virtual environment; pip's output goes to the log file."""
    if is_ready(cache, name):
        return peer(cache, name)
    root = venv_dir(cache, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.dirname(root), exist_ok=True)
    print(f"bench: creating the {name} environment in {root} (once; later runs reuse it)", file=sys.stderr)
    pip = [os.path.join(root, "bin", "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    with open(log, "a") as out:
        for step in ([sys.executable, "-m", "venv", root], [*pip, *PEER_REQUIREMENTS[name]]):
            if subprocess.run(step, stdout=out, stderr=out).returncode != 0:
                sys.exit(f"bench: building the {name} environment failed: `{' '.join(step)}` (see {log})")
    with open(os.path.join(root, SPEC_FILE), "w") as f:
        f.write("\n".join(PEER_REQUIREMENTS[name]) + "\n")
    return peer(cache, name)


def clean_environment(env: Environment, tmp: str) -> dict[str, str]:
    """Variables for a run: the system's bin first on PATH, no PYTHONPATH leaking our code into a peer."""
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "TOIL_"))}
    variables["PATH"] = env.bin_dir + os.pathsep + variables.get("PATH", "")
    variables["TMPDIR"] = tmp
    return variables
