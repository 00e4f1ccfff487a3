"""Planning a workflow body: which node makes which name, in what order, and gathering scatters."""

from __future__ import annotations

from pathlib import Path

import WDL

from toil.wdl import values
from toil.wdl.evaluate import gathered_names
from toil.wdl.load import load_document
from toil.wdl.order import owners, section_order
from toil.wdl.translate import Gathered, flatten

WORKFLOW = """\
version 1.0
workflow w {
  input { Int n = 2 }
  Int later = doubled + 1
  scatter (i in range(n)) {
    call t { input: x = i }
    if (i > 0) { Int big = t.y }
  }
  Int doubled = n * 2
  output { Array[Int] ys = t.y }
}
task t {
  input { Int x }
  command <<< echo ~{x} >>>
  output { Int y = read_int(stdout()) }
}
"""


def load(tmp_path: Path) -> WDL.Tree.Workflow:
    path = tmp_path / "w.wdl"
    path.write_text(WORKFLOW)
    workflow = load_document(str(path)).workflow
    assert workflow is not None
    return workflow


def test_owners_and_order(tmp_path: Path) -> None:
    workflow = load(tmp_path)
    nodes = [*(workflow.inputs or []), *workflow.body]
    owner = owners(nodes)
    scatter = next(n for n in nodes if isinstance(n, WDL.Tree.Scatter))
    assert owner["gather-call-t"] == scatter.workflow_node_id
    order = [step.node.workflow_node_id for step in section_order(nodes)]
    assert order.index("decl-doubled") < order.index("decl-later")
    assert order.index("decl-n") < order.index(scatter.workflow_node_id)


def test_gathered_names_and_flatten(tmp_path: Path) -> None:
    workflow = load(tmp_path)
    scatter = next(n for n in workflow.body if isinstance(n, WDL.Tree.Scatter))
    names = gathered_names(scatter)
    assert set(names) == {"t.y", "big"}
    assert str(names["big"]) == "Int?"
    iterations = [[{"t.y": ("Int", 0)}, {"big": ("Null",)}], [{"t.y": ("Int", 1)}, {"big": ("Int", 1)}]]
    env = flatten([{"n": ("Int", 2)}, Gathered(scatter.workflow_node_id, iterations)], workflow)
    assert values.decode(env["t.y"]).json == [0, 1]
    assert values.decode(env["big"]).json == [None, 1]
    empty = flatten(Gathered(scatter.workflow_node_id, []), workflow)
    assert values.decode(empty["t.y"]).json == []
