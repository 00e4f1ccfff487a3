"""CWL: a scatter of a trivial `echo` tool over N ints, without containers."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import unquote, urlparse

from harness.common import OURS, TOIL, Context, Outcome, finish, last_json, measure, run_dir
from harness.workloads import Group, Workload, capped

TOIL_CAP = 500  # Toil 9.6 costs about 0.74 CPU s an element: 2,000 would take about an hour a run

ECHO_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  num:
    type: int
    inputBinding: {position: 1}
stdout: out.txt
outputs:
  out: stdout
"""

SCATTER_WORKFLOW = """\
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  nums: int[]
outputs:
  outs:
    type: File[]
    outputSource: echo/out
steps:
  echo:
    run: echo.cwl
    scatter: num
    in:
      num: nums
    out: [out]
"""

SYSTEMS = (OURS, "cwltool", "cwltool-parallel", TOIL)


def write_documents(directory: str, n: int) -> tuple[str, str]:
    with open(os.path.join(directory, "echo.cwl"), "w") as f:
        f.write(ECHO_TOOL)
    with open(os.path.join(directory, "scatter.cwl"), "w") as f:
        f.write(SCATTER_WORKFLOW)
    with open(os.path.join(directory, "job.json"), "w") as f:
        json.dump({"nums": list(range(n))}, f)
    return os.path.join(directory, "scatter.cwl"), os.path.join(directory, "job.json")


def command(ctx: Context, system: str, directory: str, document: str, job: str) -> list[str]:
    outdir = os.path.join(directory, "out")
    if system in (OURS, TOIL):
        runner = ctx.env(system).tool("toil-cwl-runner")
        store = os.path.join(directory, "jobstore")
        return [runner, "--outdir", outdir, "--no-container", "--jobStore", store, document, job]
    parallel = ["--parallel"] if system == "cwltool-parallel" else []
    return [ctx.env(system).tool("cwltool"), *parallel, "--outdir", outdir, "--no-container", document, job]


def file_contents(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    path = item.get("path") or unquote(urlparse(item.get("location", "")).path)
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def check(stdout: str, n: int) -> tuple[bool, str]:
    """The output array holds N files whose contents are 0..N-1, in order."""
    document = last_json(stdout)
    outs = document.get("outs") if isinstance(document, dict) else None
    if not isinstance(outs, list):
        return False, "no `outs` array in the output"
    contents = [file_contents(item) for item in outs]
    wrong = [i for i, text in enumerate(contents) if text != f"{i}\n"]
    if len(contents) != n or wrong:
        return False, f"{len(contents)} files, {len(wrong)} wrong (first: {wrong[:3]})"
    return True, f"{n} files 0..{n - 1}"


class Scatter(Workload):
    name = "cwl-scatter"
    title = "CWL: scatter of an `echo` tool over N ints (--no-container)"
    about = ("A CWL v1.2 workflow scatters a CommandLineTool `echo $(num)` (stdout captured to a File) over "
             "`nums: [0..N-1]`. Every system runs it with `--no-container` and `--outdir`; the check reads "
             "each output File and requires contents `i\\n` in order. `cwltool --parallel` runs the scatter's "
             "jobs in threads; plain `cwltool` runs them one by one.")
    per = "element"
    sizes, quick_sizes = [100, 500, 2000], [10, 40]

    def groups(self, ctx: Context) -> list[Group]:
        cap = ctx.toil_cap if ctx.toil_cap is not None else TOIL_CAP
        return capped(self.quick_sizes if ctx.quick else self.sizes, cap, SYSTEMS, TOIL)

    def notes(self, ctx: Context) -> list[str]:
        cap = ctx.toil_cap if ctx.toil_cap is not None else TOIL_CAP
        return [f"Toil 9.6's toil-cwl-runner runs only up to N = {cap} (about 0.74 CPU s an element); "
                "nothing is extrapolated."]

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        directory = run_dir(ctx, self.name, n, system, rep)
        document, job = write_documents(directory, n)
        measurement = measure(ctx, system, command(ctx, system, directory, document, job), directory)
        with open(os.path.join(directory, "run.out"), errors="replace") as f:
            ok, answer = check(f.read(), n)
        return finish(ctx, directory, Outcome(measurement, ok, answer))


WORKLOADS = [Scatter()]
