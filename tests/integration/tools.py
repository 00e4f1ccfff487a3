"""Debian tools the integration tests run: installed on demand when the tests run as root (as CI does)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def install_missing_tools(tools: dict[str, str]) -> None:
    """Install the Debian packages of the missing commands (command -> package) as root; else fail with the reason."""
    missing = sorted({package for command, package in tools.items() if shutil.which(command) is None})
    if not missing:
        return
    if os.geteuid() != 0:
        pytest.fail(f"{', '.join(missing)} not installed, and installing needs root: "
                    f"apt-get install -y {' '.join(missing)}")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        try:
            done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            pytest.fail(f"could not install {', '.join(missing)}: {' '.join(command)}: {e}")
        if done.returncode != 0:
            pytest.fail(f"could not install {', '.join(missing)}: {' '.join(command)} exited {done.returncode}: "
                        f"{done.stderr.strip()[-2000:]}")
    still = [command for command in tools if shutil.which(command) is None]
    if still:
        pytest.fail(f"{', '.join(still)} still missing after apt-get install {' '.join(missing)}")
