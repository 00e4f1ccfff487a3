"""Call cache reruns: ours against cwltool --cachedir and miniwdl's call cache, measured in one run.

    python benchmarks/callcache.py [--n 20] [--out benchmarks/CALLCACHE.md]

For each system: a scatter of N tool/task runs (each sleeps 0.2 s and writes a file), run cold with an
empty cache, then again warm. Reports both wall times, warm/cold, and ours/peer of the warm runs.
Peers come from the benchmark environments `make bench` builds (BENCH_CACHE, default
~/.cache/toil-bench/venvs/), else from PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CWL_TOOL = """cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c]
inputs:
  i: {type: int, inputBinding: {position: 2, valueFrom: "sleep 0.2; echo $(self) > out.txt"}}
outputs:
  out: {type: File, outputBinding: {glob: out.txt}}
"""
CWL_WORKFLOW = """cwlVersion: v1.2
class: Workflow
requirements: {ScatterFeatureRequirement: {}}
inputs: {items: 'int[]'}
outputs: {outs: {type: 'File[]', outputSource: step/out}}
steps:
  step: {run: tool.cwl, scatter: i, in: {i: items}, out: [out]}
"""
WDL_WORKFLOW = """version 1.0
workflow scatter_sleep {
  input { Int n }
  scatter (i in range(n)) { call work { input: i = i } }
  output { Array[File] outs = work.out }
}
task work {
  input { Int i }
  command <<<
    sleep 0.2; echo ~{i} > out.txt
  >>>
  output { File out = "out.txt" }
}
"""


def tool(system: str, name: str) -> str:
    venv = Path(os.environ.get("BENCH_CACHE", Path.home() / ".cache" / "toil-bench")) / "venvs" / system / "bin" / name
    if venv.exists():
        return str(venv)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"callcache.py: error: {name} not found")
    return found


def commands(system: str, work: Path, n: int, run: int) -> tuple[list[str], dict[str, str]]:
    cache = str(work / "cache")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIWDL")}
    if system in ("ours-cwl", "cwltool"):
        (work / "tool.cwl").write_text(CWL_TOOL)
        (work / "wf.cwl").write_text(CWL_WORKFLOW)
        (work / "job.json").write_text(json.dumps({"items": list(range(n))}))
        out = ["--outdir", str(work / f"out{run}")]
        if system == "cwltool":
            return [tool("cwltool", "cwltool"), "--cachedir", cache, *out, "wf.cwl", "job.json"], env
        store = ["--jobStore", str(work / f"store{run}")]
        return [sys.executable, "-m", "toil.cwl.cli", "--cachedir", cache, *store, *out, "wf.cwl", "job.json"], env
    (work / "wf.wdl").write_text(WDL_WORKFLOW)
    env.update(MINIWDL__CALL_CACHE__GET="true", MINIWDL__CALL_CACHE__PUT="true", MINIWDL__CALL_CACHE__DIR=cache)
    inputs = json.dumps({"scatter_sleep.n": n})
    if system == "miniwdl":
        env["MINIWDL__SCHEDULER__CONTAINER_BACKEND"] = "bare"
        return [tool("miniwdl", "miniwdl"), "run", "wf.wdl", "-i", inputs, "-d", str(work / f"out{run}") + "/"], env
    return [sys.executable, "-m", "toil.wdl.cli", "wf.wdl", inputs, "-o", str(work / f"out{run}"),
            "--container", "none", "--jobStore", str(work / f"store{run}")], env


def measure(system: str, n: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="callcache-bench-") as directory:
        work = Path(directory)
        walls = []
        for run in (1, 2):
            command, env = commands(system, work, n, run)
            start = time.monotonic()
            proc = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
            walls.append(time.monotonic() - start)
            if proc.returncode != 0:
                raise SystemExit(f"callcache.py: error: {system} run {run} failed: {proc.stderr[-500:]}")
        return walls[0], walls[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--out", default=str(Path(__file__).with_name("CALLCACHE.md")))
    options = parser.parse_args()
    results = {system: measure(system, options.n) for system in ("ours-cwl", "cwltool", "ours-wdl", "miniwdl")}
    load = os.getloadavg()[0]
    lines = [f"# Call cache reruns (N = {options.n}, one repetition, load average {load:.1f})", "",
             "| system | cold run s | warm rerun s | warm/cold | warm, ours/peer |", "|---|---|---|---|---|"]
    for ours, peer in (("ours-cwl", "cwltool"), ("ours-wdl", "miniwdl")):
        for system in (ours, peer):
            cold, warm = results[system]
            ratio = f"{results[ours][1] / results[peer][1]:.2f}" if system == ours else ""
            lines.append(f"| {system} | {cold:.2f} | {warm:.2f} | {warm / cold:.2f} | {ratio} |")
    text = "\n".join(lines) + "\n"
    Path(options.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
