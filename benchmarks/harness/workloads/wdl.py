"""WDL: a scatter of `echo ~{i}` over range(N), without containers and, where Docker runs, in containers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

from harness.common import OURS, TOIL, Context, Outcome, finish, last_json, measure, run_dir
from harness.workloads import Group, Workload, capped

SCATTER_WORKFLOW = """\
version 1.0

workflow scatter_echo {
  input {
    Int n
  }
  scatter (i in range(n)) {
    call echo { input: i = i }
  }
  output {
    Array[String] out = echo.out
  }
}

task echo {
  input {
    Int i
  }
  command <<<
    echo ~{i}
  >>>
  output {
    String out = read_string(stdout())
  }
}
"""

# The same task in a container. The image is one of the local stand-ins tests/services/docker.sh
# builds (no registry is reachable here); every system finds it in the daemon's local store.
IMAGE = "debian:stable-slim"
DOCKER_WORKFLOW = SCATTER_WORKFLOW.replace("""    String out = read_string(stdout())
  }
""", f"""    String out = read_string(stdout())
  }}
  runtime {{
    docker: "{IMAGE}"
  }}
""")

# miniwdl runs tasks on the host (no container) through the miniwdl-backend-bare plugin.
MINIWDL_ENV = {"MINIWDL__SCHEDULER__CONTAINER_BACKEND": "bare"}


def docker_running() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def write_documents(directory: str, n: int, workflow: str = SCATTER_WORKFLOW) -> tuple[str, str]:
    with open(os.path.join(directory, "scatter.wdl"), "w") as f:
        f.write(workflow)
    with open(os.path.join(directory, "inputs.json"), "w") as f:
        json.dump({"scatter_echo.n": n}, f)
    return os.path.join(directory, "scatter.wdl"), os.path.join(directory, "inputs.json")


def command(ctx: Context, system: str, directory: str, document: str, inputs: str,
            engine: str | None = None) -> list[str]:
    """The command line; engine None: no container (ours: --container none; Toil: its default)."""
    outdir = os.path.join(directory, "out")
    if system == "miniwdl":
        return [ctx.env(system).tool("miniwdl"), "run", document, "-i", inputs, "-d", outdir + os.sep]
    runner = ctx.env(system).tool("toil-wdl-runner")
    container = ["--container", engine or "none"] if engine or system == OURS else []
    return [runner, document, inputs, "-o", outdir, *container, "--jobStore", os.path.join(directory, "jobstore")]


def outputs_of(document: Any) -> Any:
    """The outputs object: miniwdl wraps it as {"dir": ..., "outputs": {...}}, Toil-style runners do not."""
    if isinstance(document, dict) and isinstance(document.get("outputs"), dict):
        return document["outputs"]
    return document


def check(stdout: str, n: int) -> tuple[bool, str]:
    outputs = outputs_of(last_json(stdout))
    values = outputs.get("scatter_echo.out") if isinstance(outputs, dict) else None
    if not isinstance(values, list):
        return False, "no `scatter_echo.out` in the output"
    wrong = [i for i, value in enumerate(values) if value != str(i)]
    if len(values) != n or wrong:
        return False, f"{len(values)} strings, {len(wrong)} wrong (first: {wrong[:3]})"
    return True, f"{n} strings 0..{n - 1}"


class Scatter(Workload):
    name = "wdl-scatter"
    title = "WDL: scatter of `echo ~{i}` over range(N) (no container)"
    about = ("A WDL 1.0 workflow scatters a task `echo ~{i}` over `range(n)` and outputs "
             "`Array[String] out` (each task's `read_string(stdout())`). Ours runs with `--container none`, "
             "miniwdl with its host backend (`miniwdl-backend-bare`, "
             "`MINIWDL__SCHEDULER__CONTAINER_BACKEND=bare`); the check requires `[\"0\", ..., \"N-1\"]`.")
    per = "task"
    sizes, quick_sizes = [100, 500, 2000], [10, 40]
    workflow = SCATTER_WORKFLOW
    engine: str | None = None  # the container engine every system uses (None: none; Toil: its default)

    def groups(self, ctx: Context) -> list[Group]:
        sizes = self.quick_sizes if ctx.quick else self.sizes
        groups = [Group(n, (OURS, "miniwdl")) for n in sizes]
        return [Group(sizes[0], (TOIL,), reps=1), *groups]

    def notes(self, ctx: Context) -> list[str]:
        if docker_running():
            return ["Toil 9.6's toil-wdl-runner has no way to run a task without a container engine (`--container` "
                    "takes only singularity, docker or auto): it runs once at the smallest N with its default "
                    "`--container auto`, which puts the task in a container; see the Docker workload below."]
        return ["Toil 9.6's toil-wdl-runner has no way to run a task without a container engine (`--container` "
                "takes only singularity, docker or auto), and no Docker daemon runs here: it is tried once at the "
                "smallest N, with its default `--container auto`, to show that, and is expected to fail here (its "
                "error is in the table). The with-container workload (all systems with docker) is not run either."]

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        directory = run_dir(ctx, self.name, n, system, rep)
        document, inputs = write_documents(directory, n, self.workflow)
        env_extra = MINIWDL_ENV if system == "miniwdl" and self.engine is None else None
        measurement = measure(ctx, system, command(ctx, system, directory, document, inputs, self.engine),
                              directory, env_extra=env_extra)
        with open(os.path.join(directory, "run.out"), errors="replace") as f:
            ok, answer = check(f.read(), n)
        expected_failure = system == TOIL and self.engine is None and not docker_running()
        return finish(ctx, directory, Outcome(measurement, ok, answer, expected_failure=expected_failure))


class DockerScatter(Scatter):
    name = "wdl-scatter-docker"
    title = "WDL: scatter of `echo ~{i}` over range(N), every task in a Docker container"
    about = (f"The same workflow with `runtime {{ docker: \"{IMAGE}\" }}` on the task, every system on the same Docker "
             "daemon: ours with `--container docker`, miniwdl with its default backend (Docker Swarm; it puts the "
             "daemon in swarm mode itself), Toil 9.6 with `--container docker`. The image is a local stand-in "
             "(tests/services/docker.sh). **CPU here is the whole machine's** (`/proc/stat`, every core's "
             "non-idle time over the run): a container's processes belong to the Docker daemon, not to the "
             "command, and the daemons' own work is part of each system's cost.")
    machine_cpu = True
    workflow, engine = DOCKER_WORKFLOW, "docker"
    sizes, quick_sizes = [100, 500], [10]
    once = 2000  # run once per system (miniwdl takes about half an hour at 2,000 here)
    toil_cap = 100

    def groups(self, ctx: Context) -> list[Group]:
        if not docker_running():
            return []
        sizes = self.quick_sizes if ctx.quick else self.sizes
        groups = capped(sizes, ctx.toil_cap or self.toil_cap, (OURS, "miniwdl", TOIL), TOIL)
        return groups if ctx.quick else [*groups, Group(self.once, (OURS, "miniwdl"), reps=1)]

    def notes(self, ctx: Context) -> list[str]:
        if docker_running():
            return [f"Toil 9.6 runs up to N = {ctx.toil_cap or self.toil_cap} (`--toil-cap`); N = {self.once:,} "
                    "runs once per system."]
        return ["Not run: no Docker daemon answers here (`docker info` fails); start one with "
                "`tests/services/docker.sh start`."]


WORKLOADS = [Scatter(), DockerScatter()]
