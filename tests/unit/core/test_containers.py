"""The container layer's pure parts: the engines' command lines."""

from __future__ import annotations

from toil.core.containers import DockerEngine, PodmanEngine, RunSpec


def test_docker_command_line() -> None:
    spec = RunSpec("img:1", workdir="/w", env={"A": "x y"}, entrypoint="", user=(5, 6), network=False,
                   read_only_root=True, cpus=1.5, memory=1024, gpus=1, interactive=False)
    spec.mount("/in,odd", "/in")
    spec.mount("/w")
    argv = DockerEngine(which=lambda name: "/bin/" + name).argv(spec, ["echo", "hi"])
    assert argv == ["docker", "run", "--rm", '--mount=type=bind,"source=/in,odd",target=/in,readonly',
                    "--mount=type=bind,source=/w,target=/w,readonly", "--workdir=/w", "--entrypoint=",
                    "--user=5:6", "--read-only", "--network=none", "--cpus=1.5", f"--memory={6 * 1024 * 1024}b",
                    "--gpus=1", "--env=A=x y", "img:1", "echo", "hi"]


def test_podman_as_root_keeps_the_user_option() -> None:
    argv = PodmanEngine(which=lambda name: "/bin/" + name).options(RunSpec("img", user=(0, 0)))
    assert argv[:2] == ["podman", "run"]
    assert "--user=0:0" in argv or "--userns=keep-id" in argv
