"""Container engines: check that one works here, build its command line, run a command in an image.

docker and podman are driven through their command-line clients (the docker client reaches the
daemon through its socket, DOCKER_HOST included); singularity/apptainer follow their documented
``exec`` options but could not be run on the machines this was written on.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any

from toil.core.containers.spec import EngineNotInstalled, EngineNotRunning, RunSpec

#: Runs a short engine command (probe, inspect, pull ...) and returns its completed process.
Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[bytes]"]
PROBE_TIMEOUT = 30
ENGINE_NAMES = ("docker", "podman", "singularity")


def run_captured(argv: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(argv), capture_output=True, stdin=subprocess.DEVNULL, check=False)


def last_line(data: bytes | str) -> str:
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


class Engine:
    """A container engine; subclasses say how to probe it and how to spell a run."""

    name = ""
    executables: tuple[str, ...] = ()
    probe_args: tuple[str, ...] = ("version",)

    def __init__(self, runner: Runner = run_captured, which: Callable[[str], str | None] = shutil.which) -> None:
        self.runner = runner
        self._which = which
        self._checked = False
        self._lock = threading.Lock()

    @property
    def executable(self) -> str:
        for name in self.executables:
            if self._which(name):
                return name
        return self.executables[0]

    def check(self) -> None:
        """Raise EngineNotInstalled or EngineNotRunning unless the engine answers here."""
        with self._lock:
            if self._checked:
                return
            if not any(self._which(name) for name in self.executables):
                commands = " or ".join(f"'{name}'" for name in self.executables)
                raise EngineNotInstalled(f"{self.name} is not installed here (no {commands} command on PATH)")
            try:
                done = subprocess.run([self.executable, *self.probe_args], capture_output=True,
                                      stdin=subprocess.DEVNULL, timeout=PROBE_TIMEOUT, check=False)
            except subprocess.TimeoutExpired:
                raise EngineNotRunning(f"{self.name} is installed but not answering ('{self.executable} "
                                       f"{' '.join(self.probe_args)}' took over {PROBE_TIMEOUT} s)") from None
            except OSError as e:
                raise EngineNotRunning(f"{self.name} cannot be started: {e}") from None
            if done.returncode != 0:
                why = last_line(done.stderr) or f"'{self.executable} {' '.join(self.probe_args)}' failed"
                raise EngineNotRunning(f"{self.name} is installed but not running: {why}")
            self._checked = True

    def image_ref(self, image: str) -> str:
        """How the run command names the image."""
        return image

    def options(self, spec: RunSpec) -> list[str]:
        """The command line up to (not including) the image."""
        raise NotImplementedError

    def argv(self, spec: RunSpec, command: Sequence[str]) -> list[str]:
        return [*self.options(spec), self.image_ref(spec.image), *command]

    def run(self, spec: RunSpec, command: Sequence[str], stdin: IO[Any] | int | None = subprocess.DEVNULL,
            stdout: IO[Any] | int | None = None, stderr: IO[Any] | int | None = None,
            env: dict[str, str] | None = None) -> int:
        """Run ``command`` in the image and return its exit status."""
        spec.interactive = stdin not in (None, subprocess.DEVNULL)
        done = subprocess.run(self.argv(spec, command), stdin=stdin, stdout=stdout, stderr=stderr, env=env,
                              start_new_session=True, check=False)
        return done.returncode


def docker_mount(source: str, target: str, writable: bool) -> str:
    """A ``--mount`` value (CSV, so commas and quotes in paths survive)."""
    fields = ["type=bind", f"source={source}", f"target={target}"]
    if not writable:
        fields.append("readonly")
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return "--mount=" + out.getvalue()


class DockerEngine(Engine):
    name = "docker"
    executables = ("docker",)
    probe_args = ("version", "--format", "{{.Server.Version}}")

    def options(self, spec: RunSpec) -> list[str]:
        argv = [self.executable, "run", "--rm"]
        if spec.interactive:
            argv.append("-i")
        argv += [docker_mount(m.source, m.target, m.writable) for m in spec.mounts]
        if spec.workdir:
            argv.append(f"--workdir={spec.workdir}")
        if spec.entrypoint is not None:
            argv.append(f"--entrypoint={spec.entrypoint}")
        argv += self.user_options(spec)
        if spec.read_only_root:
            argv.append("--read-only")
        if not spec.network:
            argv.append("--network=none")
        if spec.cpus:
            argv.append(f"--cpus={spec.cpus:g}")
        if spec.memory:
            argv.append(f"--memory={max(spec.memory, 6 * 1024 * 1024)}b")  # docker refuses less than 6 MiB
        if spec.gpus:
            argv.append(f"--gpus={spec.gpus}")
        argv += [f"--env={key}={value}" for key, value in spec.env.items()]
        return argv

    def user_options(self, spec: RunSpec) -> list[str]:
        return [f"--user={spec.user[0]}:{spec.user[1]}"] if spec.user else []


class PodmanEngine(DockerEngine):
    """podman, as root or rootless; its run options are docker's."""

    name = "podman"
    executables = ("podman",)
    probe_args = ("info", "--format", "{{.Host.OCIRuntime.Name}}")

    def user_options(self, spec: RunSpec) -> list[str]:
        if spec.user and os.geteuid() != 0:
            return ["--userns=keep-id"]  # rootless: map the caller to the same uid inside
        return super().user_options(spec)


class SingularityEngine(Engine):
    """singularity or apptainer ``exec``, from their documentation (not run here: neither is installed)."""

    name = "singularity"
    executables = ("apptainer", "singularity")
    probe_args = ("--version",)

    def image_ref(self, image: str) -> str:
        if "://" in image or image.endswith((".sif", ".simg", ".img")) or os.path.isdir(image):
            return image
        return "docker://" + image

    def options(self, spec: RunSpec) -> list[str]:
        # --containall: private /tmp, /home, PID and IPC namespaces and a clean environment; the
        # mounts bring in what the command needs. Singularity always runs as the caller.
        argv = [self.executable, "exec", "--containall", "--no-home"]
        for m in spec.mounts:
            argv += ["--bind", f"{m.source}:{m.target}:{'rw' if m.writable else 'ro'}"]
        if spec.workdir:
            argv += ["--pwd", spec.workdir]
        if not spec.read_only_root:
            argv.append("--writable-tmpfs")
        if not spec.network:
            argv += ["--net", "--network", "none"]
        if spec.cpus:
            argv += ["--cpus", f"{spec.cpus:g}"]
        if spec.memory:
            argv += ["--memory", str(spec.memory)]
        if spec.gpus:
            argv.append("--nv")
        for key, value in spec.env.items():
            argv += ["--env", f"{key}={value}"]
        return argv


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_named(name: str) -> Engine:
    """The engine for ``docker``, ``podman``, ``singularity`` (or ``apptainer``); one per process."""
    key = "singularity" if name == "apptainer" else name
    kinds: dict[str, type[Engine]] = {"docker": DockerEngine, "podman": PodmanEngine,
                                      "singularity": SingularityEngine}
    if key not in kinds:
        raise EngineNotInstalled(f"unknown container engine '{name}' (use one of: {', '.join(ENGINE_NAMES)})")
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = kinds[key]()
        return _ENGINES[key]


def working_engine(name: str) -> Engine:
    """The named engine, checked: raises a one-line error if it is missing or not running."""
    engine = engine_named(name)
    engine.check()
    return engine


def first_working(names: Sequence[str] = ENGINE_NAMES) -> Engine | None:
    """The first engine of ``names`` that works here, or None."""
    for name in names:
        try:
            return working_engine(name)
        except (EngineNotInstalled, EngineNotRunning):
            continue
    return None

