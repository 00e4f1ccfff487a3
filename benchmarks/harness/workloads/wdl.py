"""WDL: a scatter of `echo ~{i}` over range(N), without containers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

from harness.common import OURS, TOIL, Context, Outcome, finish, last_json, measure, run_dir
from harness.workloads import Group, Workload

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


def write_documents(directory: str, n: int) -> tuple[str, str]:
    with open(os.path.join(directory, "scatter.wdl"), "w") as f:
        f.write(SCATTER_WORKFLOW)
    with open(os.path.join(directory, "inputs.json"), "w") as f:
        json.dump({"scatter_echo.n": n}, f)
    return os.path.join(directory, "scatter.wdl"), os.path.join(directory, "inputs.json")


def command(ctx: Context, system: str, directory: str, document: str, inputs: str) -> list[str]:
    outdir = os.path.join(directory, "out")
    if system == "miniwdl":
        return [ctx.env(system).tool("miniwdl"), "run", document, "-i", inputs, "-d", outdir + os.sep]
    runner = ctx.env(system).tool("toil-wdl-runner")
    container = ["--container", "none"] if system == OURS else []
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

    def groups(self, ctx: Context) -> list[Group]:
        sizes = self.quick_sizes if ctx.quick else self.sizes
        groups = [Group(n, (OURS, "miniwdl")) for n in sizes]
        return [Group(sizes[0], (TOIL,), reps=1), *groups]

    def notes(self, ctx: Context) -> list[str]:
        notes = [
            "Toil 9.6's toil-wdl-runner has no way to run a task without a container engine (`--container` "
            "takes only singularity, docker or auto), and this machine has neither a running Docker daemon nor "
            "a registry to pull images from: it is tried once at the smallest N, with its default "
            "`--container auto`, to show that, and is expected to fail here (its error is in the table).",
        ]
        if not docker_running():
            notes.append("No container engine is running on this machine (`docker info` fails), so the "
                         "with-container variant of this workload (all systems with docker) is not run.")
        return notes

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        directory = run_dir(ctx, self.name, n, system, rep)
        document, inputs = write_documents(directory, n)
        env_extra = MINIWDL_ENV if system == "miniwdl" else None
        measurement = measure(ctx, system, command(ctx, system, directory, document, inputs), directory,
                              env_extra=env_extra)
        with open(os.path.join(directory, "run.out"), errors="replace") as f:
            ok, answer = check(f.read(), n)
        outcome = Outcome(measurement, ok, answer, expected_failure=system == TOIL and not docker_running())
        return finish(ctx, directory, outcome)


WORKLOADS = [Scatter()]
