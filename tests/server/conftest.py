"""Fixtures: a real Redis (tests/services/redis.sh) and a real Celery worker for the celery runner.

Each is started once per session when a test asks for it, and stopped at the end (a Redis that
was already running is reused and left running). A service that cannot start fails the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.wes import REPO, server_env

REDIS = REPO / "tests" / "services" / "redis.sh"


def _redis_running() -> bool:
    state = Path(os.environ.get("TOIL_TEST_REDIS_DIR", "/tmp/toil-test-redis"))
    try:
        os.kill(int((state / "redis.pid").read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    reused = _redis_running()
    try:
        subprocess.run(["bash", str(REDIS), "start"], check=True, capture_output=True, text=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        pytest.fail(f"cannot start Redis ({REDIS} start): {getattr(e, 'stderr', '') or e}")
    url = subprocess.run(["bash", str(REDIS), "url"], check=True, capture_output=True, text=True).stdout.strip()
    yield url
    if not reused:
        subprocess.run(["bash", str(REDIS), "stop"], check=False, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def celery_worker(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Celery worker (2 processes) of toil.server.celery_app on the test Redis; yields the broker URL."""
    env = server_env({"TOIL_WES_BROKER_URL": redis_url})
    subprocess.run([sys.executable, "-m", "celery", "-A", "toil.server.celery_app", "purge", "-f"], env=env,
                   check=True, capture_output=True, timeout=60)
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "toil.server.celery_app", "worker", "--concurrency", "2",
             "--pool", "prefork", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"toil-wes-test-{os.getpid()}@%h"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"the Celery worker did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.2)
    yield redis_url
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
