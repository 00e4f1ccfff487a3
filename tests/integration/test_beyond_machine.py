"""A step asking for more cores or memory than the machine has runs with what there is, and says so once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integration.pipelines.runners import run_cwl, run_wdl

pytestmark = pytest.mark.integration

CORES = 4 * (os.cpu_count() or 1)
TIB = 1024 ** 4

CWL_TOOL = f"""cwlVersion: v1.2
class: Workflow
inputs: {{xs: "int[]"}}
outputs: {{out: {{type: "File[]", outputSource: big/out}}}}
requirements: {{ScatterFeatureRequirement: {{}}}}
steps:
  big:
    in: {{x: xs}}
    scatter: x
    out: [out]
    run:
      class: CommandLineTool
      requirements: {{ResourceRequirement: {{coresMin: {CORES}, ramMin: {TIB // 1024 ** 2}}}}}
      inputs: {{x: {{type: int, inputBinding: {{position: 1}}}}}}
      baseCommand: echo
      stdout: out.txt
      outputs: {{out: stdout}}
"""

WDL_TASKS = f"""version 1.0
workflow big {{
  scatter (i in [1, 2, 3]) {{
    call greedy {{ input: i = i }}
  }}
  output {{ Array[Int] out = greedy.out }}
}}
task greedy {{
  input {{ Int i }}
  command <<< echo ~{{i}} >>>
  output {{ Int out = read_int(stdout()) }}
  runtime {{ cpu: {CORES}  memory: "1 TiB" }}
}}
"""


def warnings_in(stderr: str, what: str) -> list[str]:
    return [line for line in stderr.splitlines() if what in line and "this machine" in line]


def test_cwl_steps_beyond_the_machine_run_and_say_it_once(tmp_path: Path) -> None:
    (tmp_path / "wf.cwl").write_text(CWL_TOOL)
    (tmp_path / "job.json").write_text(json.dumps({"xs": [1, 2, 3]}))
    done = run_cwl("--no-container", "--outdir", tmp_path / "out", tmp_path / "wf.cwl", tmp_path / "job.json",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(json.loads(done.stdout)["out"]) == 3
    [cores] = warnings_in(done.stderr, f"asks for {CORES} cores")
    assert "Step 'big'" in cores and "[W]" in cores, cores
    [memory] = warnings_in(done.stderr, "asks for 1.0 TiB of memory")
    assert "Step 'big'" in memory, memory


def test_wdl_tasks_beyond_the_machine_run_and_say_it_once(tmp_path: Path) -> None:
    (tmp_path / "big.wdl").write_text(WDL_TASKS)
    done = run_wdl(tmp_path / "big.wdl", "--container", "none", "-o", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    [cores] = warnings_in(done.stderr, f"asks for {CORES} cores")
    assert "Task 'greedy'" in cores and "[W]" in cores, cores
    [memory] = warnings_in(done.stderr, "asks for 1.0 TiB of memory")
    assert "Task 'greedy'" in memory, memory
