"""toil.core.containers against a real Docker engine: what a command sees inside, and what comes out."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from toil.core.containers import (
    EngineNotInstalled,
    EngineNotRunning,
    RunSpec,
    SingularityEngine,
    engine_named,
    working_engine,
)
from toil.core.containers.engines import DockerEngine

pytestmark = pytest.mark.integration
IMAGE = "debian:stable-slim"


def run(spec: RunSpec, script: str, tmp_path: Path, stdin: bytes | None = None,
        engine_name: str = "docker") -> tuple[int, str, str]:
    engine = working_engine(engine_name)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    source = tmp_path / "stdin"
    source.write_bytes(stdin or b"")
    with open(source, "rb") as i, open(out, "wb") as o, open(err, "wb") as e:
        status = engine.run(spec, ["sh", "-c", script], stdin=i if stdin is not None else subprocess.DEVNULL,
                            stdout=o, stderr=e)
    return status, out.read_text(), err.read_text()


def test_mounts_workdir_env_streams_and_exit_code(tmp_path: Path, engine_name: str) -> None:
    inputs, work = tmp_path / "in", tmp_path / "work"
    inputs.mkdir()
    work.mkdir()
    (inputs / "data.txt").write_text("one\ntwo\n")
    spec = RunSpec(IMAGE, workdir="/work", env={"GREETING": "hi there"})
    spec.mount(str(inputs), "/inputs")
    spec.mount(str(work), "/work", writable=True)
    script = ('cat /etc/debian_version >/dev/null && pwd && echo "$GREETING" && wc -l < /inputs/data.txt && '
              'cat > copy.txt && echo oops >&2 && (touch /inputs/x 2>/dev/null || echo read-only) && exit 7')
    status, out, err = run(spec, script, tmp_path, stdin=b"from stdin\n", engine_name=engine_name)
    assert status == 7
    assert out.splitlines() == ["/work", "hi there", "2", "read-only"]
    assert err.strip() == "oops"
    assert (work / "copy.txt").read_text() == "from stdin\n"
    assert (work / "copy.txt").stat().st_uid == os.getuid(), "outputs belong to the caller"
    assert not (inputs / "x").exists()


def test_isolation_options(tmp_path: Path, engine_name: str) -> None:
    spec = RunSpec(IMAGE, network=False, read_only_root=True, user=(1234, 4321))
    script = "id -u; id -g; (touch /etc/x 2>/dev/null || echo ro); ls /sys/class/net"
    status, out, _ = run(spec, script, tmp_path, engine_name=engine_name)
    assert status == 0
    lines = out.split()
    assert lines[:3] == ["1234", "4321", "ro"]
    assert set(lines[3:]) == {"lo"}, "no network but loopback"


def test_memory_and_cpu_limits(tmp_path: Path, engine_name: str) -> None:
    spec = RunSpec(IMAGE, memory=64 * 1024 * 1024, cpus=0.5)
    script = ("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; "
              "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max")
    status, out, _ = run(spec, script, tmp_path, engine_name=engine_name)
    assert status == 0
    memory, quota = out.split()
    assert int(memory) == 64 * 1024 * 1024
    assert int(quota) == 50000  # half of the default 100 ms period


def test_entrypoint_kept_or_cleared(engine_name: str) -> None:
    engine = working_engine(engine_name)
    kept = subprocess.run(engine.argv(RunSpec("bash:4.4", interactive=False), ["-c", "echo via-entrypoint"]),
                          capture_output=True, text=True, check=False)
    assert kept.stdout.strip() == "via-entrypoint"
    cleared = RunSpec("bash:4.4", entrypoint="", interactive=False)
    done = subprocess.run(engine.argv(cleared, ["echo", "plain"]), capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "plain"


def test_engine_not_running_or_not_installed() -> None:
    dead = DockerEngine(which=lambda name: "/usr/bin/" + name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        with pytest.raises(EngineNotRunning, match=r"^docker is installed but not running: .*nonexistent"):
            dead.check()
    missing = DockerEngine(which=lambda name: None)
    with pytest.raises(EngineNotInstalled, match=r"^docker is not installed here \(no 'docker' command on PATH\)$"):
        missing.check()
    with pytest.raises(EngineNotInstalled, match="unknown container engine 'rkt'"):
        engine_named("rkt")


def test_singularity_command_line_from_its_documentation() -> None:
    """Not run here (no singularity/apptainer on these machines): the command line its docs describe."""
    spec = RunSpec("debian:stable-slim", workdir="/out", env={"A": "1"}, network=False, read_only_root=True)
    spec.mount("/host/in", "/in")
    spec.mount("/host/out", "/out", writable=True)
    argv = SingularityEngine(which=lambda name: None).argv(spec, ["echo", "x"])
    assert argv == ["apptainer", "exec", "--containall", "--no-home", "--bind", "/host/in:/in:ro",
                    "--bind", "/host/out:/out:rw", "--pwd", "/out", "--net", "--network", "none",
                    "--env", "A=1", "docker://debian:stable-slim", "echo", "x"]
