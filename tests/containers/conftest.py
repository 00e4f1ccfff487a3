"""A real Docker engine for the container tests: Debian's docker.io, started by tests/services/docker.sh.

The session fixture installs and starts dockerd (or reuses one already answering, which it then
leaves running) and builds the images the tests name locally (no registry is reachable); it stops
the daemon it started at the end. A test that cannot get its engine fails: it never skips.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "services" / "docker.sh"
START_TIMEOUT = 900  # a first start installs docker.io and debootstraps two root filesystems


def _docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "version"], capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session", autouse=True)
def docker_engine() -> Iterator[None]:
    """dockerd running, with debian:stable-slim, python:3-slim, bash:4.4, alpine:latest, ubuntu:22.04/24.04."""
    reused = _docker_answers()
    _start(SCRIPT)
    yield
    if not reused:
        subprocess.run(["bash", str(SCRIPT), "stop"], capture_output=True, timeout=120, check=False)


def runner_env() -> dict[str, str]:
    """The environment that runs this checkout's toil in a subprocess."""
    repo = Path(__file__).resolve().parents[2]
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo), environment.get("PYTHONPATH")]))
    return environment


@pytest.fixture(scope="session")
def podman_engine() -> None:
    """podman (root, runc) with the same images under docker.io/library/ names (tests/services/podman.sh)."""
    _start(SCRIPT.with_name("podman.sh"))


def _start(script: Path) -> None:
    """Run a service script's start; fail the tests (never skip them) when it does not succeed."""
    try:
        done = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True,
                              timeout=START_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{script} start took over {START_TIMEOUT} s")
    if done.returncode != 0:
        pytest.fail(f"{script} start failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


@pytest.fixture(params=["docker", "podman"])
def engine_name(request: pytest.FixtureRequest) -> str:
    """Each engine in turn (podman set up on first use)."""
    if request.param == "podman":
        request.getfixturevalue("podman_engine")
    return str(request.param)
