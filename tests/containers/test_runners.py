"""toil-cwl-runner and toil-wdl-runner with a real Docker engine: same outputs as on the host, and bad input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.containers.conftest import runner_env

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "containers"
MISSING = "registry.invalid/toil-test/missing:1"


def run(front_end: str, *args: object, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", f"toil.{front_end}.cli", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env={**runner_env(), **(env or {})}, capture_output=True, text=True,
                          timeout=timeout, check=False)


def tree(directory: Path) -> dict[str, str]:
    """Every file under a directory by relative path, with its sha1."""
    return {str(p.relative_to(directory)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def without_places(value: object) -> object:
    """Outputs with the places they were written to taken out."""
    if isinstance(value, dict):
        return {k: without_places(v) for k, v in value.items() if k not in ("location", "path")}
    if isinstance(value, list):
        return [without_places(v) for v in value]
    return value


def test_cwl_example_same_in_containers_and_on_host(tmp_path: Path, podman_engine: None) -> None:
    results = {}
    for mode, flags in (("docker", ["--docker"]), ("podman", ["--podman"]), ("host", ["--no-container"])):
        done = run("cwl", *flags, "--outdir", tmp_path / mode, EXAMPLES / "wordcount.cwl",
                   EXAMPLES / "wordcount-job.yml", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        results[mode] = (without_places(json.loads(done.stdout)), tree(tmp_path / mode))
        if mode != "host":
            assert f"Container images used: docker.io/debian:stable-slim ({mode} sha256:" in done.stderr
            assert f"docker.io/python:3-slim ({mode} sha256:" in done.stderr
    assert results["docker"] == results["host"]
    assert results["podman"] == results["host"]
    assert (tmp_path / "docker" / "counts.txt").read_text().splitlines()[0] == "3 the"


def test_wdl_example_same_in_containers_and_on_host(tmp_path: Path, podman_engine: None) -> None:
    results = {}
    for mode in ("docker", "podman", "none"):
        done = run("wdl", EXAMPLES / "wordcount.wdl", EXAMPLES / "wordcount.json", "--container", mode,
                   "-o", tmp_path / mode, cwd=EXAMPLES)
        assert done.returncode == 0, done.stderr
        outputs = json.loads(done.stdout)
        results[mode] = ({k: Path(v).name if isinstance(v, str) else v for k, v in outputs.items()},
                         tree(tmp_path / mode))
        if mode != "none":  # count names its image; summarize runs in the default one
            assert f"debian:stable-slim ({mode} sha256:" in done.stderr
            assert f"ubuntu:22.04 ({mode} sha256:" in done.stderr
    assert results["docker"] == results["none"]
    assert results["podman"] == results["none"]
    assert results["docker"][0]["wordcount.words"] == 11


CWL_PROBE = """cwlVersion: v1.2
class: CommandLineTool
requirements:
  DockerRequirement: {dockerPull: docker.io/debian:stable-slim, dockerOutputDirectory: /results}
  NetworkAccess: {networkAccess: false}
inputs:
  data: {type: File, inputBinding: {position: 1}}
baseCommand:
  - sh
  - -c
  - 'test "$$" = 1 && echo in-container; pwd; id -u; wc -l < "$0"; touch "$0" || echo input-read-only'
stdout: probe.txt
outputs:
  probe: stdout
"""


def test_cwl_tool_runs_in_its_container(tmp_path: Path) -> None:
    (tmp_path / "probe.cwl").write_text(CWL_PROBE)
    (tmp_path / "data.txt").write_text("a\nb\nc\n")
    done = run("cwl", "--quiet", "--outdir", tmp_path / "out", tmp_path / "probe.cwl", "--data", "data.txt",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "out" / "probe.txt").read_text().splitlines()
    assert lines[:4] == ["in-container", "/results", str(os.getuid()), "3"]
    assert lines[4] == "input-read-only"


CWL_DOCKERFILE = """cwlVersion: v1.2
class: CommandLineTool
requirements:
  DockerRequirement:
    dockerImageId: toil-test-dockerfile:1
    dockerFile: |
      FROM debian:stable-slim
      RUN echo from-dockerfile > /marker.txt
inputs: []
baseCommand: [cat, /marker.txt]
stdout: marker.txt
outputs:
  marker: stdout
"""


def test_cwl_docker_file_is_built(tmp_path: Path) -> None:
    (tmp_path / "built.cwl").write_text(CWL_DOCKERFILE)
    try:
        done = run("cwl", "--quiet", "--outdir", tmp_path / "out", tmp_path / "built.cwl", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "out" / "marker.txt").read_text() == "from-dockerfile\n"
    finally:
        subprocess.run(["docker", "image", "rm", "--force", "toil-test-dockerfile:1"], capture_output=True,
                       check=False)


# -- bad input: one clear line naming the image or the engine, and a non-zero exit ------------------
def error_line(done: subprocess.CompletedProcess[str], prog: str) -> str:
    assert done.returncode != 0, done.stdout
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(f"{prog}: error: "), done.stderr
    assert "Traceback" not in done.stderr
    return errors[0]


CWL_MISSING = CWL_PROBE.replace("docker.io/debian:stable-slim", MISSING)
WDL_MISSING = f"""version 1.0
task t {{
  command <<< echo hi >>>
  output {{ String out = read_string(stdout()) }}
  runtime {{ docker: "{MISSING}" }}
}}
"""


def test_image_missing_and_not_pullable(tmp_path: Path) -> None:
    (tmp_path / "missing.cwl").write_text(CWL_MISSING)
    (tmp_path / "data.txt").write_text("x\n")
    done = run("cwl", "--quiet", "--outdir", tmp_path / "out", tmp_path / "missing.cwl", "--data", "data.txt",
               cwd=tmp_path)
    line = error_line(done, "toil-cwl-runner")
    assert f"docker image '{MISSING}' is not present locally and could not be pulled: " in line
    (tmp_path / "missing.wdl").write_text(WDL_MISSING)
    done = run("wdl", tmp_path / "missing.wdl", "--container", "docker", "-o", tmp_path / "wdl", cwd=tmp_path)
    line = error_line(done, "toil-wdl-runner")
    assert f"docker image '{MISSING}' is not present locally and could not be pulled: " in line


@pytest.mark.parametrize("problem", ["not running", "not installed"])
def test_engine_not_running_or_not_installed(tmp_path: Path, problem: str) -> None:
    if problem == "not running":
        env = {"DOCKER_HOST": f"unix://{tmp_path}/no-daemon.sock"}
        expected = "docker is installed but not running: Cannot connect to the Docker daemon"
    else:
        (tmp_path / "bin").mkdir()
        env = {"PATH": str(tmp_path / "bin")}
        expected = "docker is not installed here (no 'docker' command on PATH)"
    (tmp_path / "probe.cwl").write_text(CWL_PROBE)
    (tmp_path / "data.txt").write_text("x\n")
    done = run("cwl", "--quiet", "--outdir", tmp_path / "out", tmp_path / "probe.cwl", "--data", "data.txt",
               cwd=tmp_path, env=env)
    assert expected in error_line(done, "toil-cwl-runner")
    done = run("wdl", EXAMPLES / "wordcount.wdl", EXAMPLES / "wordcount.json", "--container", "docker",
               "-o", tmp_path / "wdl", cwd=EXAMPLES, env=env)
    assert expected in error_line(done, "toil-wdl-runner")


def test_cwl_default_container_for_tools_naming_none(tmp_path: Path) -> None:
    tool = CWL_PROBE.replace("  DockerRequirement: {dockerPull: docker.io/debian:stable-slim, "
                             "dockerOutputDirectory: /results}\n", "")
    assert "DockerRequirement" not in tool
    (tmp_path / "plain.cwl").write_text(tool)
    (tmp_path / "data.txt").write_text("a\n")
    done = run("cwl", "--default-container", "debian:stable-slim", "--outdir", tmp_path / "out",
               tmp_path / "plain.cwl", "--data", "data.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "probe.txt").read_text().splitlines()[0] == "in-container"
    assert "Container images used: debian:stable-slim (docker sha256:" in done.stderr
    done = run("cwl", "--outdir", tmp_path / "host", tmp_path / "plain.cwl", "--data", "data.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "in-container" not in (tmp_path / "host" / "probe.txt").read_text()


WDL_READS_IN_PLACE = """version 1.1
task t {
  input { File data }
  command <<<
    test "$$" = 1 && echo in-container
    wc -l < ~{data}
    touch ~{data} 2>/dev/null || echo input-read-only
  >>>
  output { Array[String] lines = read_lines(stdout()) }
  runtime { container: "debian:stable-slim" }
}
"""


def test_wdl_inputs_read_where_they_are_are_mounted_read_only(tmp_path: Path) -> None:
    (tmp_path / "t.wdl").write_text(WDL_READS_IN_PLACE)
    (tmp_path / "data.txt").write_text("1\n2\n")
    done = run("wdl", tmp_path / "t.wdl", '{"t.data": "data.txt"}', "--referenceInputs", "--container", "docker",
               "-o", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["t.lines"] == ["in-container", "2", "input-read-only"]
