"""Files compared with ``==``/``!=`` and used as Map keys, in a workflow and in a task.

miniwdl 1.15+ resolves each File an operator or a lookup compares through a stdlib hook
whose default refuses relative paths, which a ``toilfile:`` address is; these broke until
our stdlibs overrode it. Each expected output is what miniwdl 1.16.0 gives for the same
document and inputs (``miniwdl run`` with its host backend, miniwdl-backend-bare), the
host-dependent ``join_paths()`` results aside, which are put in terms of this run's paths.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.wdl.runner import outputs_of, run_wdl

pytestmark = pytest.mark.integration

COMPARE = """\
version 1.1
workflow files_compare {
  input {
    File a
    File b
  }
  Map[File, Int] numbers = {a: 1, b: 2}
  Array[File] both = [a, b]
  call count { input: numbers = numbers, a = a, b = b }
  scatter (f in both) {
    Int picked = numbers[f]
    Boolean is_a = f == a
  }
  output {
    Boolean a_equals_a = a == a
    Boolean a_equals_b = a == b
    Boolean a_differs_from_b = a != b
    Boolean a_differs_from_a = a != a
    Int looked_up_a = numbers[a]
    Int looked_up_b = numbers[b]
    Array[Int] picked_all = picked
    Array[Boolean] which_is_a = is_a
    Int task_sum = count.sum
    Boolean task_a_equals_b = count.a_equals_b
    Boolean task_a_equals_a = count.a_equals_a
    Int task_in_command = count.in_command
    Boolean task_output_equal = count.output_equal
  }
}

task count {
  input {
    Map[File, Int] numbers
    File a
    File b
  }
  Int a_number = numbers[a]
  command <<<
    echo ~{numbers[b] * 10 + a_number}
    echo x > made.txt
  >>>
  output {
    Int sum = numbers[a] + numbers[b]
    Boolean a_equals_b = a == b
    Boolean a_equals_a = a == a
    Int in_command = read_int(stdout())
    File made = "made.txt"
    Boolean output_equal = made == made
  }
}
"""

PATHS_1_2 = """\
version 1.2
workflow paths12 {
  input {
    File a
    File b
  }
  Map[File, Int] numbers = {a: 1, b: 2}
  call check { input: numbers = numbers, a = a }
  output {
    Boolean a_equals_a = a == a
    Boolean a_differs_from_b = a != b
    Int looked_up = numbers[b]
    Boolean has_a = contains_key(numbers, a)
    Boolean in_array = contains([a, b], b)
    String joined = join_paths("sub", "x.txt")
    Boolean task_has_a = check.has_a
    String task_joined = check.joined
  }
}

task check {
  input {
    Map[File, Int] numbers
    File a
  }
  command <<< true >>>
  output {
    Boolean has_a = contains_key(numbers, a)
    String joined = join_paths(["sub", "out.txt"])
  }
}
"""


def run_in_doc_dir(tmp_path: Path, source: str, name: str) -> dict[str, object]:
    """Run source from tmp_path/doc with inputs a.txt and b.txt of tmp_path (the current directory)."""
    (tmp_path / "doc").mkdir()
    wdl = tmp_path / "doc" / f"{name}.wdl"
    wdl.write_text(source)
    (tmp_path / "a.txt").write_text("A\n")
    (tmp_path / "b.txt").write_text("B\n")
    inputs = json.dumps({f"{name}.a": "a.txt", f"{name}.b": "b.txt"})
    outputs: dict[str, object] = outputs_of(run_wdl(wdl, inputs, "--container", "none", "-o", tmp_path / "out",
                                                    cwd=tmp_path))
    return outputs


def test_files_compare_and_key_maps_in_workflow_and_task(tmp_path: Path) -> None:
    assert run_in_doc_dir(tmp_path, COMPARE, "files_compare") == {
        "files_compare.a_equals_a": True,
        "files_compare.a_equals_b": False,
        "files_compare.a_differs_from_b": True,
        "files_compare.a_differs_from_a": False,
        "files_compare.looked_up_a": 1,
        "files_compare.looked_up_b": 2,
        "files_compare.picked_all": [1, 2],
        "files_compare.which_is_a": [True, False],
        "files_compare.task_sum": 3,
        "files_compare.task_a_equals_b": False,
        "files_compare.task_a_equals_a": True,
        "files_compare.task_in_command": 21,
        "files_compare.task_output_equal": True,
    }


def test_wdl_1_2_contains_and_join_paths(tmp_path: Path) -> None:
    outputs = run_in_doc_dir(tmp_path, PATHS_1_2, "paths12")
    task_joined = str(outputs.pop("paths12.task_joined"))
    assert task_joined.endswith("/work/sub/out.txt")  # the task's working directory, as miniwdl's
    assert outputs == {
        "paths12.a_equals_a": True,
        "paths12.a_differs_from_b": True,
        "paths12.looked_up": 2,
        "paths12.has_a": True,
        "paths12.in_array": True,
        "paths12.joined": str(tmp_path / "doc" / "sub" / "x.txt"),  # the document's directory
        "paths12.task_has_a": True,
    }
