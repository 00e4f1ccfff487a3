"""What a scatter or an if waits for: everything its body refers to outside it, at any depth (issue 15)."""

from __future__ import annotations

import graphlib
from pathlib import Path
from types import SimpleNamespace

import pytest
import WDL

from toil.wdl.evaluate import WdlRuntimeError, decls_in_order, eval_expr
from toil.wdl.load import WdlError, describe_error, load_document
from toil.wdl.order import check_sections, dependency_order, section_order, workflow_nodes

TASKS = """
task Mk { command <<< echo 2 >>> output { Int n = read_int(stdout()) } }
task Use { input { Int v } command <<< echo ~{v} >>> output { Int out = read_int(stdout()) } }
"""

NESTED = """\
version 1.1
workflow W {
  input { Array[Int] xs = [1, 2] }
  call Mk
  call Mk as other
  scatter (x in xs) {
    if (x > 0) {
      scatter (y in xs) { call Use { input: v = Mk.n + y } }
    }
  }
  scatter (x in xs) {
    if (x > other.n) { Int big = x }
  }
  scatter (x in xs) {
    call Use as later after other { input: v = x }
  }
  scatter (x in xs) { Array[Int?] seen = big }
}
""" + TASKS


def load(tmp_path: Path, text: str) -> WDL.Tree.Workflow:
    path = tmp_path / "w.wdl"
    path.write_text(text)
    workflow = load_document(str(path)).workflow
    assert workflow is not None
    return workflow


def waits(tmp_path: Path, text: str) -> list[list[str]]:
    """For each top-level scatter, in order, the top-level nodes it waits for."""
    steps = section_order(workflow_nodes(load(tmp_path, text)))
    scatters = sorted((step for step in steps if isinstance(step.node, WDL.Tree.Scatter)),
                      key=lambda step: step.node.pos.line)
    return [step.after for step in scatters]


def test_a_section_waits_for_what_its_body_uses_at_any_depth(tmp_path: Path) -> None:
    first, second, third, fourth = waits(tmp_path, NESTED)
    assert first == ["call-Mk", "decl-xs"]  # used three levels down
    assert second == ["call-other", "decl-xs"]  # used only in a nested if's condition
    assert third == ["call-other", "decl-xs"]  # used only by an `after`
    assert fourth == ["decl-xs", second_scatter_id(tmp_path)]  # a sibling section's gathered result


def second_scatter_id(tmp_path: Path) -> str:
    workflow = load(tmp_path, NESTED)
    scatters = [node for node in workflow.body if isinstance(node, WDL.Tree.Scatter)]
    return str(scatters[1].workflow_node_id)


def test_the_order_puts_each_node_after_what_it_waits_for(tmp_path: Path) -> None:
    steps = section_order(workflow_nodes(load(tmp_path, NESTED)))
    seen: set[str] = set()
    for step in steps:
        assert set(step.after) <= seen
        seen.add(step.node.workflow_node_id)


CYCLE = """\
version 1.0
workflow W {
  input { Array[Int] xs = [1, 2] }
  scatter (i in xs) {
    if (i > 0) { Int q = z + i }
    Int p = i
  }
  Int z = length(p)
}
"""


def test_a_section_that_needs_its_own_results_is_refused_with_positions(tmp_path: Path) -> None:
    with pytest.raises(WdlError) as caught:
        check_sections(workflow_nodes(load(tmp_path, CYCLE)))
    path = tmp_path / "w.wdl"
    assert str(caught.value) == (
        f"{path}:4:3 this scatter's body uses z ({path}:8:3), which is computed from the scatter's own results: "
        "not supported (the scatter runs as one unit); move z into the scatter or split it")


def test_an_unbound_name_is_named_in_the_error(tmp_path: Path) -> None:
    workflow = load(tmp_path, NESTED)
    use = workflow.body[2].body[0].body[0].body[0]
    with pytest.raises(WdlRuntimeError) as caught:
        eval_expr(use.inputs["v"], WDL.Env.Bindings(), WDL.StdLib.Base("1.1"))
    assert str(caught.value) == f"{tmp_path / 'w.wdl'}:8:49 EvalError: Unknown identifier Mk.n"


def test_an_error_with_context_keeps_its_position_first() -> None:
    pos = WDL.Error.SourcePosition(uri="w.wdl", abspath="/w.wdl", line=3, column=7, end_line=3, end_column=9)
    error = WDL.Error.EvalError(pos, "coercing 'String' to 'Int': bad\nliteral")
    assert describe_error(error, context="call U input n") == (
        "w.wdl:3:7 EvalError: call U input n: coercing 'String' to 'Int': bad literal")


def test_dependency_order_and_its_cycles() -> None:
    order = dependency_order({"c": ["a", "b"], "b": ["a"], "a": [], "d": []})
    assert order.index("a") < order.index("b") < order.index("c") and sorted(order) == ["a", "b", "c", "d"]
    with pytest.raises(graphlib.CycleError):
        dependency_order({"a": ["b"], "b": ["a"], "c": []})


def test_task_declarations_in_order(tmp_path: Path) -> None:
    path = tmp_path / "t.wdl"
    path.write_text("version 1.0\ntask t {\n  input { Int a = c + 1 }\n  Int b = a * 2\n  Int c = 3\n"
                    "  command <<< true >>>\n  output { Int y = x + 1  Int x = b }\n}\n")
    task = load_document(str(path)).tasks[0]
    assert [d.name for d in decls_in_order([*task.inputs, *task.postinputs])] == ["c", "a", "b"]
    assert [d.name for d in decls_in_order(task.outputs)] == ["x", "y"]
    assert decls_in_order([]) == []


def test_declarations_in_a_cycle_are_named() -> None:
    # miniwdl refuses such a task as it loads it; a made-up pair of declarations gets this far
    a = SimpleNamespace(name="a", workflow_node_id="decl-a", workflow_node_dependencies={"decl-b"})
    b = SimpleNamespace(name="b", workflow_node_id="decl-b", workflow_node_dependencies={"decl-a"})
    with pytest.raises(WdlRuntimeError, match="cycle: (a, b|b, a)$"):
        decls_in_order([a, b])  # type: ignore[list-item]
