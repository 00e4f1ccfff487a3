"""toil-wdl-runner and toil-cwl-runner with ``s3://`` inputs and ``--jobStore aws:us-east-1:NAME``.

Everything runs against the real S3 server that tests/s3/conftest.py starts: the input
File is an object in a data bucket of its own, the job store is a bucket of its own per
test, a WDL or CWL run whose leader is SIGKILLed mid-scatter resumes with ``--restart``,
and the outputs can go under an ``s3://`` prefix (toil-wdl-runner ``-o s3://...``,
toil-cwl-runner ``--destBucket s3://...``).
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
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.integration.support import REPO
from tests.s3.conftest import store_name
from toil.stores import s3_io

pytestmark = pytest.mark.integration

WORDS = b"alpha\nbeta\ngamma\n"
UPPER = ["ALPHA", "BETA", "GAMMA"]

# Each call appends to a local log so the test can see how far the workflow got.
SCATTER_WDL = """\
version 1.0
workflow s3cat {
  input { File words  String log  Int n = 3 }
  scatter (i in range(n)) {
    call shout { input: words = words, i = i, log = log }
  }
  output {
    Array[String] lines = shout.line
    Array[File] outs = shout.out
    String name = basename(words)
  }
}
task shout {
  input { File words  Int i  String log }
  command <<<
    echo "start ~{i}" >> ~{log}
    sleep 0.5
    sed -n "$(( ~{i} % 3 + 1 ))p" ~{words} | tr a-z A-Z | tee out.txt
    echo "end ~{i}" >> ~{log}
  >>>
  output { String line = read_string(stdout())  File out = "out.txt" }
  runtime { cpu: 1 }
}
"""

# Directory needs WDL's development version.
TREE_WDL = """\
version development
workflow tree {
  input { File words }
  call mk { input: words = words }
  output { File copy = mk.copy  Directory d = mk.d }
}
task mk {
  input { File words }
  command <<<
    mkdir -p d/sub && tr a-z A-Z < ~{words} > d/sub/upper.txt && cp ~{words} .
  >>>
  output { File copy = basename(words)  Directory d = "d" }
}
"""

CAT_CWL = """\
cwlVersion: v1.2
class: CommandLineTool
baseCommand: cat
inputs:
  words:
    type: File
    inputBinding: {position: 1}
stdout: copy.txt
outputs:
  copy: {type: stdout}
"""

# The CWL twin of SCATTER_WDL.
SCATTER_CWL = """\
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  words: File
  ids: int[]
  log: string
outputs:
  outs:
    type: File[]
    outputSource: shout/out
steps:
  shout:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c]
      arguments:
        - >-
          echo "start $(inputs.i)" >> $(inputs.log); sleep 0.5;
          awk -v i=$(inputs.i) 'NR == i % 3 + 1' $(inputs.words.path) | tr a-z A-Z > out$(inputs.i).txt;
          echo "end $(inputs.i)" >> $(inputs.log)
      inputs: {words: File, i: int, log: string}
      outputs:
        out: {type: File, outputBinding: {glob: out$(inputs.i).txt}}
    in: {words: words, i: ids, log: log}
    scatter: i
    out: [out]
"""

# A File and a Directory (with a subdirectory) out, for --destBucket.
TREE_CWL = """\
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c]
arguments:
  - >-
    mkdir -p d/sub && tr a-z A-Z < $(inputs.words.path) > d/sub/upper.txt
    && cp $(inputs.words.path) $(inputs.words.basename)
inputs:
  words: File
outputs:
  copy: {type: File, outputBinding: {glob: $(inputs.words.basename)}}
  d: {type: Directory, outputBinding: {glob: d}}
"""


def _bucket_exists(bucket: str) -> bool:
    try:
        s3_io.client("us-east-1").head_bucket(Bucket=bucket)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
            return False
        raise
    return True


def _empty_and_delete(bucket: str) -> None:
    s3 = s3_io.client("us-east-1")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


@pytest.fixture
def words_url() -> Iterator[str]:
    """``s3://<a new bucket>/in/words.txt`` holding WORDS; the bucket goes afterwards."""
    bucket = "toil-data-" + uuid.uuid4().hex[:12]
    s3 = s3_io.client("us-east-1")
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key="in/words.txt", Body=WORDS)
        yield f"s3://{bucket}/in/words.txt"
    finally:
        _empty_and_delete(bucket)


@pytest.fixture
def locator(tmp_path: Path) -> Iterator[str]:
    """A job store locator of this test's own; its bucket is removed if a run left it behind."""
    name = store_name(tmp_path)
    yield f"aws:us-east-1:{name}"
    if _bucket_exists(name + "--toil"):
        _empty_and_delete(name + "--toil")


def runner_command(module: str, *args: object) -> tuple[list[str], dict[str, str]]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return [sys.executable, "-m", module, *map(str, args)], environment


def run_runner(module: str, *args: object, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command, environment = runner_command(module, *args)
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout,
                          check=False)


def _log_lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def _wdl_inputs(words_url: str, log: Path, n: int) -> str:
    return json.dumps({"s3cat.words": words_url, "s3cat.log": str(log), "s3cat.n": n})


def _check_wdl_outputs(stdout: str, out: Path, n: int) -> None:
    outputs = json.loads(stdout)
    expected = [UPPER[i % 3] for i in range(n)]
    assert outputs["s3cat.lines"] == expected
    assert outputs["s3cat.name"] == "words.txt"
    files = outputs["s3cat.outs"]
    assert len(files) == n and all(path.startswith(str(out)) for path in files)
    assert [Path(path).read_text() for path in files] == [line + "\n" for line in expected]


def _sha1(data: bytes) -> str:
    return "sha1$" + hashlib.sha1(data).hexdigest()


def test_wdl_with_s3_input_and_aws_job_store(tmp_path: Path, words_url: str, locator: str) -> None:
    wdl = tmp_path / "s3cat.wdl"
    wdl.write_text(SCATTER_WDL)
    start = time.monotonic()
    proc = run_runner("toil.wdl.cli", wdl, _wdl_inputs(words_url, tmp_path / "log", 3), "--jobStore", locator,
                      "-o", tmp_path / "out", cwd=tmp_path)
    print(f"toil-wdl-runner, s3:// input, {locator}: {time.monotonic() - start:.1f} s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_wdl_outputs(proc.stdout, tmp_path / "out", 3)
    assert not _bucket_exists(locator.rsplit(":", 1)[1] + "--toil")  # cleaned on success


def test_wdl_outputs_under_an_s3_prefix(tmp_path: Path, words_url: str, locator: str) -> None:
    wdl = tmp_path / "tree.wdl"
    wdl.write_text(TREE_WDL)
    bucket = words_url.split("/")[2]
    prefix = f"s3://{bucket}/results/run%201"  # the keys have "run 1" in them
    start = time.monotonic()
    proc = run_runner("toil.wdl.cli", wdl, json.dumps({"tree.words": words_url}), "--jobStore", locator,
                      "-o", prefix + "/", cwd=tmp_path)
    print(f"toil-wdl-runner -o s3://..., {locator}: {time.monotonic() - start:.1f} s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == {"tree.copy": f"{prefix}/words.txt", "tree.d": f"{prefix}/d"}
    s3 = s3_io.client("us-east-1")
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix="results/")["Contents"])
    assert keys == ["results/run 1/d/sub/upper.txt", "results/run 1/words.txt"]
    assert s3.get_object(Bucket=bucket, Key="results/run 1/words.txt")["Body"].read() == WORDS
    assert s3.get_object(Bucket=bucket, Key="results/run 1/d/sub/upper.txt")["Body"].read() == WORDS.upper()
    assert not _bucket_exists(locator.rsplit(":", 1)[1] + "--toil")


def _kill_mid_scatter(module: str, *args: object, cwd: Path, log: Path, n: int, locator: str) -> list[str]:
    """Start a runner on a scatter of n calls and SIGKILL it once 4 calls have ended; the log then."""
    command, env = runner_command(module, *args)
    leader = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    deadline = time.monotonic() + 90
    # Two calls at a time (--maxCores 2): once the 3rd and 4th have ended, the first two have committed.
    while sum(line.startswith("end") for line in _log_lines(log)) < 4:
        assert leader.poll() is None, leader.communicate()[1].decode()[-3000:]
        assert time.monotonic() < deadline, "the scatter never got going"
        time.sleep(0.02)
    os.killpg(leader.pid, signal.SIGKILL)  # the leader and every call it started
    leader.wait()
    leader.stderr.close()  # type: ignore[union-attr]
    before = _log_lines(log)
    assert sum(line.startswith("end") for line in before) < n, "the workflow finished before the leader was killed"
    lock = s3_io.client("us-east-1").get_object(Bucket=locator.rsplit(":", 1)[1] + "--toil", Key="leader/lock")
    assert json.loads(lock["Body"].read())["pid"] == leader.pid  # the dead leader's lock is still there
    return before


def _check_resumed(log: Path, before: list[str], n: int, what: str, seconds: float) -> None:
    """Every call ended once in all; those that had committed before the kill did not run again."""
    after = _log_lines(log)[len(before):]
    rerun = [line for line in after if line.startswith("start")]
    ended = sum(line.startswith("end") for line in before)
    print(f"{what} --restart after SIGKILL ({ended} of {n} calls ended, {len(rerun)} run by the restart): "
          f"{seconds:.1f} s")
    assert sorted({int(line.split()[1]) for line in before + after if line.startswith("end")}) == list(range(n))
    assert len(rerun) <= n - 2, (before, after)


@pytest.mark.chaos
def test_wdl_restart_after_the_leader_is_killed(tmp_path: Path, words_url: str, locator: str) -> None:
    n = 8
    wdl = tmp_path / "s3cat.wdl"
    wdl.write_text(SCATTER_WDL)
    log = tmp_path / "log"
    before = _kill_mid_scatter("toil.wdl.cli", wdl, _wdl_inputs(words_url, log, n), "--jobStore", locator,
                               "-o", tmp_path / "out", "--maxCores", 2, cwd=tmp_path, log=log, n=n, locator=locator)
    start = time.monotonic()
    proc = run_runner("toil.wdl.cli", wdl, "--jobStore", locator, "--restart", "-o", tmp_path / "out", "--maxCores",
                      2, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_resumed(log, before, n, "toil-wdl-runner", time.monotonic() - start)
    _check_wdl_outputs(proc.stdout, tmp_path / "out", n)
    assert not _bucket_exists(locator.rsplit(":", 1)[1] + "--toil")


def test_cwl_with_s3_input_and_aws_job_store(tmp_path: Path, words_url: str, locator: str) -> None:
    tool = tmp_path / "cat.cwl"
    tool.write_text(CAT_CWL)
    job = tmp_path / "job.yml"
    job.write_text(f"words:\n  class: File\n  location: {words_url}\n")
    start = time.monotonic()
    proc = run_runner("toil.cwl.cli", "--jobStore", locator, "--outdir", tmp_path / "out", tool, job, cwd=tmp_path)
    print(f"toil-cwl-runner, s3:// input, {locator}: {time.monotonic() - start:.1f} s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    copy = json.loads(proc.stdout)["copy"]
    out = tmp_path / "out" / "copy.txt"
    assert copy["class"] == "File" and copy["basename"] == "copy.txt"
    assert copy["location"] == out.as_uri() and copy["path"] == str(out)
    assert copy["size"] == len(WORDS)
    assert copy["checksum"] == _sha1(WORDS)
    assert out.read_bytes() == WORDS
    assert not _bucket_exists(locator.rsplit(":", 1)[1] + "--toil")


def test_cwl_dest_bucket_puts_outputs_under_an_s3_prefix(tmp_path: Path, words_url: str, locator: str) -> None:
    tool = tmp_path / "tree.cwl"
    tool.write_text(TREE_CWL)
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"words": {"class": "File", "location": words_url}}))
    bucket = words_url.split("/")[2]
    url = f"s3://{bucket}/results/run%201"  # the keys have "run 1" in them
    start = time.monotonic()
    proc = run_runner("toil.cwl.cli", "--jobStore", locator, "--destBucket", url + "/", "--outdir", tmp_path / "out",
                      tool, job, cwd=tmp_path)
    print(f"toil-cwl-runner --destBucket, {locator}: {time.monotonic() - start:.1f} s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    upper = WORDS.upper()
    assert json.loads(proc.stdout) == {
        "copy": {"class": "File", "basename": "words.txt", "location": f"{url}/words.txt",
                 "checksum": _sha1(WORDS), "size": len(WORDS)},
        "d": {"class": "Directory", "basename": "d", "location": f"{url}/d", "listing": [
            {"class": "Directory", "basename": "sub", "location": f"{url}/d/sub", "listing": [
                {"class": "File", "basename": "upper.txt", "location": f"{url}/d/sub/upper.txt",
                 "checksum": _sha1(upper), "size": len(upper)}]}]},
    }
    s3 = s3_io.client("us-east-1")
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix="results/")["Contents"])
    assert keys == ["results/run 1/d/sub/upper.txt", "results/run 1/words.txt"]
    assert s3.get_object(Bucket=bucket, Key="results/run 1/words.txt")["Body"].read() == WORDS
    assert s3.get_object(Bucket=bucket, Key="results/run 1/d/sub/upper.txt")["Body"].read() == upper
    assert not (tmp_path / "out").exists()  # nothing written locally
    assert not _bucket_exists(locator.rsplit(":", 1)[1] + "--toil")


@pytest.mark.chaos
def test_cwl_restart_after_the_leader_is_killed(tmp_path: Path, words_url: str, locator: str) -> None:
    n = 8
    workflow = tmp_path / "scatter.cwl"
    workflow.write_text(SCATTER_CWL)
    log = tmp_path / "log"
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"words": {"class": "File", "location": words_url}, "ids": list(range(n)),
                               "log": str(log)}))
    args = ("--jobStore", locator, "--outdir", tmp_path / "out", "--maxCores", 2, workflow, job)
    before = _kill_mid_scatter("toil.cwl.cli", *args, cwd=tmp_path, log=log, n=n, locator=locator)
    start = time.monotonic()
    proc = run_runner("toil.cwl.cli", "--restart", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_resumed(log, before, n, "toil-cwl-runner", time.monotonic() - start)
    outs = json.loads(proc.stdout)["outs"]
    expected = [UPPER[i % 3] + "\n" for i in range(n)]
    assert [item["basename"] for item in outs] == [f"out{i}.txt" for i in range(n)]
    assert [Path(item["path"]).read_text() for item in outs] == expected
    assert all(item["path"] == str(tmp_path / "out" / item["basename"]) for item in outs)
    assert not _bucket_exists(locator.rsplit(":", 1)[1] + "--toil")
