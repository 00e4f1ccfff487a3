"""Whole workflows with ``--jobStore aws:us-east-1:NAME`` against the real S3 server.

Covers a Python-API workflow (examples/sort.py), ``--restart`` after the leader is
SIGKILLed, a 100 MB file through import (from s3://), a job and export (to a path and to
s3://) with the peak RSS of the leader and the worker, ``toil clean``, and the bad inputs
that must end in one ``toil: error:`` line.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.integration.support import EXAMPLES, REPO, run_script, script_command
from tests.s3.conftest import store_name
from toil.stores import s3_io

pytestmark = pytest.mark.integration

SCRIPTS = Path(__file__).parent / "scripts"
BIG = 100 << 20
RSS_LIMIT_KIB = 80 << 10  # 100 MB pass through; the processes keep one 8 MiB part at most


def bucket_exists(bucket: str) -> bool:
    try:
        s3_io.client("us-east-1").head_bucket(Bucket=bucket)
    except Exception:
        return False
    return True


def assert_sorted_output(path: Path, lines: int) -> None:
    text = path.read_text().splitlines()
    assert len(text) == lines
    assert text == sorted(text)


def test_sort_runs_in_s3(tmp_path: Path) -> None:
    name = store_name(tmp_path)
    start = time.monotonic()
    proc = run_script(EXAMPLES / "sort.py", f"aws:us-east-1:{name}", "--numLines", 2000, cwd=tmp_path,
                      timeout=240)
    assert proc.returncode == 0, proc.stderr
    print(f"sort.py --numLines 2000 on aws: {time.monotonic() - start:.1f} s")
    assert_sorted_output(tmp_path / "sortedFile.txt", 2000)
    assert not bucket_exists(name + "--toil")  # --clean=onSuccess deleted the bucket


def _committed(bucket: str) -> int:
    """Jobs whose record says they ran (a small return value travels in the record)."""
    s3 = s3_io.client("us-east-1")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="jobs/")
    records = [s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed.get("Contents", [])]
    return sum(1 for raw in records if json.loads(raw).get("ran"))


def test_restart_after_the_leader_is_killed(tmp_path: Path) -> None:
    name = store_name(tmp_path)
    locator = f"aws:us-east-1:{name}"
    args = (locator, "--numLines", 2000)
    command, env = script_command(EXAMPLES / "sort.py", *args)
    leader = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    deadline = time.monotonic() + 90
    while True:  # kill once a few jobs have committed, well before the end
        assert leader.poll() is None, leader.communicate()[1].decode()[-3000:]
        assert time.monotonic() < deadline, "the workflow never got going"
        if bucket_exists(name + "--toil") and _committed(name + "--toil") >= 3:
            break
        time.sleep(0.05)
    os.kill(leader.pid, signal.SIGKILL)  # the leader only: its zygote and workers die with it
    leader.wait()
    done_before = _committed(name + "--toil")
    # The dead leader's lock is still there: the restart must see that its holder is dead.
    lock = s3_io.client("us-east-1").get_object(Bucket=name + "--toil", Key="leader/lock")["Body"].read()
    assert json.loads(lock)["pid"] == leader.pid
    start = time.monotonic()
    proc = run_script(EXAMPLES / "sort.py", *args, "--restart", cwd=tmp_path, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    print(f"sort.py --restart after SIGKILL of the leader: {time.monotonic() - start:.1f} s")
    assert_sorted_output(tmp_path / "sortedFile.txt", 2000)
    assert done_before >= 3
    assert not bucket_exists(name + "--toil")


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def test_100_mb_round_trip_streams(tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    with open(source, "wb") as f:
        for i in range(BIG >> 20):
            f.write(hashlib.sha256(b"%d" % i).digest() * (1 << 15))
    expected = _md5(source)
    s3 = s3_io.client("us-east-1")
    data_bucket = "toil-data-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=data_bucket)
    try:
        s3.upload_file(str(source), data_bucket, "in/big.bin")
        name = store_name(tmp_path)
        start = time.monotonic()
        proc = run_script(SCRIPTS / "big_copy.py", f"aws:us-east-1:{name}", "--src", f"s3://{data_bucket}/in/big.bin",
                          "--dst", str(tmp_path / "out.bin"), "--dst", f"s3://{data_bucket}/out/big.bin",
                          cwd=tmp_path, timeout=300)
        elapsed = time.monotonic() - start
        assert proc.returncode == 0, proc.stderr[-3000:]
        result = json.loads(proc.stdout.split("RESULT ", 1)[1])
        print(f"100 MB via aws: {elapsed:.1f} s; peak RSS: leader {result['leader_hwm_kib'] >> 10} MiB (VmHWM; "
              f"ru_maxrss {result['leader_maxrss_kib'] >> 10} MiB, inherits pytest's), "
              f"worker {result['worker_maxrss_kib'] >> 10} MiB")
        assert result["md5"] == expected
        assert _md5(tmp_path / "out.bin") == expected
        s3.download_file(data_bucket, "out/big.bin", str(tmp_path / "back.bin"))
        assert _md5(tmp_path / "back.bin") == expected
        assert 0 < result["leader_hwm_kib"] < RSS_LIMIT_KIB
        assert result["worker_maxrss_kib"] < RSS_LIMIT_KIB
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=data_bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=data_bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=data_bucket)


def test_toil_clean_deletes_the_bucket(tmp_path: Path) -> None:
    name = store_name(tmp_path)
    proc = run_script(EXAMPLES / "sort.py", f"aws:us-east-1:{name}", "--numLines", 50, "--clean", "never",
                      cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert bucket_exists(name + "--toil")
    command, env = script_command(REPO / "toil" / "cli" / "main.py", "clean", f"aws:us-east-1:{name}")
    cleaned = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert cleaned.returncode == 0, cleaned.stderr
    assert not bucket_exists(name + "--toil")


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("toil: error:")]
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    print(f"exit {proc.returncode}: {errors[0]}")
    return errors[0]


@pytest.mark.parametrize(
    ("case", "env", "expected"),
    [
        ("bad-name", {}, "not usable as an S3 bucket name"),
        ("wrong-credentials", {"AWS_SECRET_ACCESS_KEY": "wrong"}, "refused the credentials"),
        ("unreachable", {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}, "Cannot reach"),
    ],
)
def test_bad_job_store_inputs(tmp_path: Path, case: str, env: dict[str, str], expected: str) -> None:
    name = "Bad_Name" if case == "bad-name" else store_name(tmp_path)
    proc = run_script(EXAMPLES / "sort.py", f"aws:us-east-1:{name}", "--numLines", 10, cwd=tmp_path, env=env,
                      timeout=60)
    line = _one_error_line(proc)
    assert expected in line, line


@pytest.mark.parametrize("store_kind", ["file", "aws"])
def test_missing_s3_input(tmp_path: Path, store_kind: str) -> None:
    locator = str(tmp_path / "js") if store_kind == "file" else f"aws:us-east-1:{store_name(tmp_path)}"
    proc = run_script(REPO / "tests" / "integration" / "scripts" / "import_export.py", locator,
                      "--src", "s3://toil-no-such-bucket/in.txt", "--dst", str(tmp_path / "out"), cwd=tmp_path)
    line = _one_error_line(proc)
    assert "s3://toil-no-such-bucket/in.txt" in line, line


def test_s3_url_import_and_export_with_a_file_store(tmp_path: Path) -> None:
    s3 = s3_io.client("us-east-1")
    bucket = "toil-data-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key="in/words.txt", Body=b"hello s3\n")
        proc = run_script(REPO / "tests" / "integration" / "scripts" / "import_export.py", str(tmp_path / "js"),
                          "--src", f"s3://{bucket}/in/words.txt", "--dst", f"s3://{bucket}/out/words.txt",
                          cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert s3.get_object(Bucket=bucket, Key="out/words.txt")["Body"].read() == b"HELLO S3\n"
    finally:
        for key in ("in/words.txt", "out/words.txt"):
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
