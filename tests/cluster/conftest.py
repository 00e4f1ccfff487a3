"""Real schedulers for the cluster tests: a single-node Slurm and Grid Engine on 127.0.0.1.

The session fixtures install (apt-get, as root) and start them with the project's own scripts,
``tests/services/slurm.sh`` and ``tests/services/sge.sh``, and stop them at the end of the
session. ``slurm_multi_cluster`` starts a second Slurm with three nodes in namespaces of their
own (``tests/services/slurm_multi.sh``) and the S3 server (``tests/services/s3.sh``), and
gives the environment that reaches both. A test that cannot get its scheduler fails; it
never skips.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parent.parent / "services"
START_TIMEOUT = 900  # seconds: a first start installs packages
SGE_ENVIRONMENT = {"SGE_ROOT": "/var/lib/gridengine", "SGE_CELL": "default"}


def _service(script: str, action: str, env: dict[str, str] | None = None) -> None:
    try:
        done = subprocess.run([str(SERVICES / script), action], capture_output=True, text=True,
                              timeout=START_TIMEOUT, env={**os.environ, **(env or {})}, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.fail(f"{script} {action} could not run: {e}")
    if done.returncode != 0:
        pytest.fail(f"{script} {action} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[None]:
    """A running single-node Slurm (started for the session, stopped after it)."""
    _service("slurm.sh", "start")
    # A fresh queue: jobs an interrupted earlier session left would hold CPUs (Slurm keeps jobs across restarts).
    subprocess.run(["scancel", "--full", f"--user={os.getuid()}"], capture_output=True, check=False)
    yield
    _service("slurm.sh", "stop")


@pytest.fixture(scope="session")
def slurm_multi_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The multi-node Slurm and the S3 server; yields the environment for leaders and Slurm commands."""
    from tests.s3 import conftest as s3

    s3_was_running = s3._running()
    _service("s3.sh", "start")
    _service("slurm_multi.sh", "start")
    env = {**os.environ, **s3._server_env(), "SLURM_CONF": _exported(_output("slurm_multi.sh", "env"))["SLURM_CONF"]}
    empty = tmp_path_factory.mktemp("aws-config")
    env.update(AWS_CONFIG_FILE=str(empty / "config"), AWS_SHARED_CREDENTIALS_FILE=str(empty / "credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    subprocess.run(["scancel", "--full", f"--user={os.getuid()}"], env=env, capture_output=True, check=False)
    yield env
    _service("slurm_multi.sh", "stop")
    if not s3_was_running:
        _service("s3.sh", "stop")


def _output(script: str, action: str) -> str:
    return subprocess.run(["bash", str(SERVICES / script), action], capture_output=True, text=True,
                          check=True).stdout


def _exported(text: str) -> dict[str, str]:
    pairs = (line.removeprefix("export ").split("=", 1) for line in text.splitlines() if "=" in line)
    return {name: value for name, value in pairs}


@pytest.fixture(scope="session")
def sge_cluster() -> Iterator[None]:
    """A running single-node Grid Engine; its clients find the cell through SGE_ROOT/SGE_CELL."""
    for name, value in SGE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)  # what a Grid Engine user's login profile sets
    _service("sge.sh", "start", SGE_ENVIRONMENT)
    subprocess.run(["qdel", "-u", "*"], capture_output=True, check=False)  # a fresh queue, as for Slurm
    yield
    _service("sge.sh", "stop", SGE_ENVIRONMENT)
