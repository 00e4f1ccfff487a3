"""Issue 15: a scatter or an if whose body uses a value computed outside it.

Each expected output is what miniwdl 1.16.0 gives for the same document and inputs
(checked by running ``miniwdl run`` with its host backend, miniwdl-backend-bare).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.wdl.runner import outputs_of, run_wdl

pytestmark = pytest.mark.integration

TASKS = """\
task Mk { command <<< echo hello >>> output { String v = read_string(stdout()) } }
task Use {
  input { String v  String s }
  command <<< echo ~{v}-~{s} >>>
  output { String out = read_string(stdout()) }
}
"""

SCATTER = """\
version 1.0
workflow W {
  input { Array[String] xs = ["x", "y"] }
  call Mk
  scatter (x in xs) { call Use { input: v = Mk.v, s = x } }
  output { Array[String] outs = Use.out }
}
""" + TASKS

CONDITIONAL = """\
version 1.0
workflow W {
  input { Boolean go = true }
  call Mk
  if (go) { String y = Mk.v + "!" }
  output { String? out = y }
}
""" + TASKS

THREE_LEVELS = """\
version 1.0
workflow W {
  input { Array[String] xs = ["x", "y"]  Array[Int] ns = [1, 2] }
  call Mk
  scatter (x in xs) {
    if (x != "z") {
      scatter (n in ns) {
        call Use { input: v = Mk.v, s = x + n }
      }
    }
  }
  output { Array[Array[String]?] outs = Use.out }
}
""" + TASKS

IN_NESTED_CONDITION = """\
version 1.0
workflow W {
  input { Array[Int] xs = [1, 2, 3] }
  call Two
  scatter (x in xs) {
    if (x >= Two.n) {
      Int big = x * 10
    }
  }
  output { Array[Int?] bigs = big }
}
task Two { command <<< echo 2 >>> output { Int n = read_int(stdout()) } }
"""

SIBLINGS_AND_AFTER = """\
version 1.1
workflow W {
  input { Array[Int] xs = [1, 2] }
  call Mk
  scatter (x in xs) { call Use as first { input: v = Mk.v, s = "~{x}" } }
  scatter (y in xs) {
    String pair = first.out[y - 1] + "/" + Mk.v
    if (y > 1) { call Use as late after Mk { input: v = pair, s = "late" } }
  }
  output { Array[String] pairs = pair  Array[String?] lates = late.out }
}
""" + TASKS

SUB = """\
version 1.0
workflow Sub {
  input { String a  String b }
  call Echo { input: a = a, b = b }
  if (b != "z") { String tagged = Echo.out + "+" }
  output { String joined = Echo.out  String? tag = tagged }
}
task Echo { input { String a  String b } command <<< echo ~{a}:~{b} >>> output { String out = read_string(stdout()) } }
"""

SUB_IN_SCATTER = """\
version 1.0
import "sub.wdl" as s
workflow W {
  input { Array[String] xs = ["x", "y", "z"] }
  call Mk
  scatter (x in xs) { call s.Sub { input: a = Mk.v, b = x } }
  output { Array[String] outs = Sub.joined  Array[String?] tags = Sub.tag }
}
""" + TASKS


def run(tmp_path: Path, document: str, **others: str) -> dict[str, object]:
    for name, text in others.items():
        (tmp_path / f"{name}.wdl").write_text(text)
    (tmp_path / "main.wdl").write_text(document)
    result: dict[str, object] = outputs_of(run_wdl("main.wdl", "--container", "none", "-o", tmp_path / "out",
                                                   cwd=tmp_path))
    return result


def test_scatter_body_gets_an_outer_call_output(tmp_path: Path) -> None:
    assert run(tmp_path, SCATTER) == {"W.outs": ["hello-x", "hello-y"]}


def test_if_body_gets_an_outer_call_output(tmp_path: Path) -> None:
    assert run(tmp_path, CONDITIONAL) == {"W.out": "hello!"}


def test_three_levels_of_nesting(tmp_path: Path) -> None:
    assert run(tmp_path, THREE_LEVELS) == {"W.outs": [["hello-x1", "hello-x2"], ["hello-y1", "hello-y2"]]}


def test_outer_value_used_only_in_a_nested_condition(tmp_path: Path) -> None:
    assert run(tmp_path, IN_NESTED_CONDITION) == {"W.bigs": [None, 20, 30]}


def test_sibling_scatter_results_and_after(tmp_path: Path) -> None:
    assert run(tmp_path, SIBLINGS_AND_AFTER) == {"W.pairs": ["hello-1/hello", "hello-2/hello"],
                                                  "W.lates": [None, "hello-2/hello-late"]}


def test_subworkflow_in_a_scatter_gets_an_outer_call_output(tmp_path: Path) -> None:
    assert run(tmp_path, SUB_IN_SCATTER, sub=SUB) == {"W.outs": ["hello:x", "hello:y", "hello:z"],
                                                      "W.tags": ["hello:x+", "hello:y+", None]}


CYCLE = """\
version 1.0
workflow W {
  input { Array[Int] xs = [1, 2] }
  scatter (i in xs) {
    Int p = i
    Int q = z + i
  }
  Int z = length(p)
  output { Array[Int] qs = q }
}
"""


def test_a_section_that_needs_its_own_results_is_one_clear_error(tmp_path: Path) -> None:
    """miniwdl runs this (qs = [3, 4]); we plan a scatter as one job, so we refuse it before running."""
    (tmp_path / "main.wdl").write_text(CYCLE)
    proc = run_wdl("main.wdl", "--container", "none", cwd=tmp_path)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "toil-wdl-runner: error: main.wdl:4:3 this scatter's body uses z (main.wdl:8:3), which is computed from "
        "the scatter's own results: not supported (the scatter runs as one unit); move z into the scatter or "
        "split it"]


LATER_OUTPUT = """\
version 1.0
workflow W {
  call Mk2
  output { String x = Mk2.b }
}
task Mk2 {
  command <<< echo hello >>>
  output { String b = a + "!"  String a = read_string(stdout()) }
}
"""


def test_a_task_output_may_use_one_declared_after_it(tmp_path: Path) -> None:
    """The same mistake in a task: outputs were evaluated in the order written, not the order they need."""
    assert run(tmp_path, LATER_OUTPUT) == {"W.x": "hello!"}
