"""toil-cwl-runner end to end: real documents, real job store, output JSON as cwltool prints it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
DATA = Path(__file__).parent / "data"


def runner(*args: object, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "toil.cwl.cli", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_hello_example(tmp_path: Path) -> None:
    done = runner("--quiet", "--outdir", tmp_path / "out", REPO / "examples" / "hello.cwl",
                  REPO / "examples" / "hello-job.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)["output"]
    assert output["class"] == "File" and output["basename"] == "hello.txt"
    assert output["path"] == str(tmp_path / "out" / "hello.txt")
    assert output["location"] == (tmp_path / "out" / "hello.txt").as_uri()
    assert (tmp_path / "out" / "hello.txt").read_text() == "Hello from toil-cwl-runner!\n"
    assert output["size"] == 28 and output["checksum"].startswith("sha1$")
    assert not {"nameroot", "nameext", "dirname"} & set(output)
    assert not list(tmp_path.glob("toil-cwl-*")), "the temporary job store is removed on success"


def test_inputs_as_options(tmp_path: Path) -> None:
    done = runner("--quiet", "--outdir", tmp_path, REPO / "examples" / "hello.cwl", "--message", "hi there",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hello.txt").read_text() == "hi there\n"


def test_scatter_workflow(tmp_path: Path) -> None:
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"numbers": [1, 2, 3, 4]}))
    done = runner("--quiet", "--outdir", tmp_path / "out", DATA / "scatter-wf.cwl", job, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    outputs = json.loads(done.stdout)
    assert outputs["total"] == 10
    # As cwltool does: clashing names get a suffix on disk, the basename stays.
    assert [f["basename"] for f in outputs["files"]] == ["out.txt"] * 4
    assert [Path(f["path"]).name for f in outputs["files"]] == ["out.txt", "out.txt_2", "out.txt_3", "out.txt_4"]
    assert [Path(f["path"]).read_text() for f in outputs["files"]] == ["1\n", "2\n", "3\n", "4\n"]


def test_empty_scatter(tmp_path: Path) -> None:
    done = runner("--quiet", "--outdir", tmp_path, DATA / "scatter-wf.cwl", "--numbers", "[]", cwd=tmp_path)
    if done.returncode != 0:  # an empty array is hard to give as an option: use a job file
        job = tmp_path / "job.json"
        job.write_text(json.dumps({"numbers": []}))
        done = runner("--quiet", "--outdir", tmp_path, DATA / "scatter-wf.cwl", job, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"files": [], "total": 0}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["scatter-wf.cwl", "bad-type.yml"], "'numbers' field is not valid"),
        (["fail.cwl"], "something went wrong"),
        (["scatter-wf.cwl"], "numbers"),
        (["missing.cwl"], "missing.cwl"),
        (["syntax-error.cwl"], "syntax-error.cwl:4:7:"),
        (["unknown-field.cwl"], "unknown-field.cwl:4:1: invalid field 'bogus'"),
        (["mismatch-wf.cwl", "--n", "3"], "with sink 'f' of type"),
        (["cat.cwl", "missing-file.yml"], "nope.txt does not exist"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path: Path, args: list[str], expected: str) -> None:
    done = runner("--quiet", "--retryCount", "0", *[DATA / a if a.endswith((".cwl", ".yml")) else a for a in args],
                  cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    # schema-salad wraps its messages to fit the width left by the document's path
    assert expected in " ".join(done.stderr.split())


@pytest.mark.parametrize(("code", "runs"), [(3, 1), (75, 3)], ids=["permanentFail", "temporaryFail"])
def test_only_a_temporary_failure_is_retried(tmp_path: Path, code: int, runs: int) -> None:
    # The CWL standard: permanentFail "should not be retried"; temporaryFailCodes may be.
    counter = tmp_path / "runs"
    done = runner("--quiet", "--retryCount", "2", DATA / "count-and-exit.cwl", "--counter", counter, "--code", code,
                  cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert counter.read_text().count("run") == runs
