"""Stored document bundles: a worker loads the WDL and its imports from the job store, not the disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from toil.wdl.checks import check_no_compound_to_string
from toil.wdl.load import Bundle, WdlError, bundle_bytes, find_task, find_workflow, load_document

SUB = """\
version 1.0
workflow inner {
  input { Int x }
  call t { input: a = x }
  output { Int out = t.out }
}
task t {
  input { Int a }
  command <<< echo ~{a} >>>
  output { Int out = read_int(stdout()) }
}
"""

MAIN = """\
version 1.0
import "lib/sub.wdl" as lib
workflow outer {
  call lib.inner { input: x = 1 }
  Object o = object { a: 1 }
  output { Int out = inner.out }
}
"""


def test_bundle_loads_without_the_files(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "sub.wdl").write_text(SUB)
    (tmp_path / "main.wdl").write_text(MAIN)
    doc = load_document(str(tmp_path / "main.wdl"))
    data = json.loads(bundle_bytes(doc, True))
    assert set(data["sources"]) == {str(tmp_path / "main.wdl"), str(tmp_path / "lib" / "sub.wdl")}
    shutil.rmtree(tmp_path / "lib")
    again = Bundle(data["main"], data["check_quant"], data["sources"]).document()
    assert find_workflow(again, str(tmp_path / "main.wdl")).name == "outer"
    assert find_task(again, str(tmp_path / "lib" / "sub.wdl"), "t").name == "t"


def test_compound_to_string_is_refused_from_1_1(tmp_path: Path) -> None:
    text = 'version {v}\nworkflow w {{\n  Array[String] a = [[1], "x"]\n}}\n'
    (tmp_path / "old.wdl").write_text(text.format(v="1.0"))
    check_no_compound_to_string(load_document(str(tmp_path / "old.wdl")))
    (tmp_path / "new.wdl").write_text(text.format(v="1.1"))
    try:
        check_no_compound_to_string(load_document(str(tmp_path / "new.wdl")))
    except WdlError as e:
        assert str(e).startswith(f"{tmp_path / 'new.wdl'}:3:")
    else:
        raise AssertionError("a compound value coerced to String was accepted in WDL 1.1")
