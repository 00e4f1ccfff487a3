"""Reading and binding workflow inputs, and loading errors as one line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import WDL

from toil.wdl.inputs import bind_inputs, import_inputs, read_inputs
from toil.wdl.load import WdlError, load_document

WORKFLOW = """\
version 1.0
workflow w {
  input {
    Int n
    File f
    String s = "x"
  }
  call t { input: f = f }
}
task t {
  input { File f  Int k = 1 }
  command <<< cat ~{f} >>>
}
"""


@pytest.fixture
def doc(tmp_path: Path) -> WDL.Tree.Document:
    path = tmp_path / "w.wdl"
    path.write_text(WORKFLOW)
    return load_document(str(path))


def test_read_inputs_forms(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text('{"w.n": 1}')
    assert read_inputs(str(path)) == ({"w.n": 1}, str(tmp_path))
    assert read_inputs('{"w.n": 2}')[0] == {"w.n": 2}
    assert read_inputs("-", stdin=io.StringIO('{"w.n": 3}'))[0] == {"w.n": 3}
    assert read_inputs(None)[0] == {}
    with pytest.raises(WdlError, match="invalid JSON"):
        read_inputs("{oops")


def test_bind_inputs_errors(doc: WDL.Tree.Document) -> None:
    with pytest.raises(WdlError, match="missing required"):
        bind_inputs(doc, {"w.n": 1})
    with pytest.raises(WdlError, match="unknown input"):
        bind_inputs(doc, {"w.n": 1, "w.f": "a", "w.nope": 1})
    with pytest.raises(WdlError, match="Int"):
        bind_inputs(doc, {"w.n": "many", "w.f": "a"})
    bound = bind_inputs(doc, {"w.n": 1, "w.f": "a", "w.t.k": 2})
    assert {b.name for b in bound} == {"n", "f", "t.k"}


def test_import_inputs_resolves_files(doc: WDL.Tree.Document, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    bound = bind_inputs(doc, {"w.n": 1, "w.f": "a.txt"})
    imported: list[str] = []

    def fake_import(path: str) -> str:
        imported.append(path)
        return "0123456789abcdef0123456789abcdef/a.txt"

    data = import_inputs(bound, str(tmp_path), fake_import)
    assert imported == [str(tmp_path / "a.txt")]
    assert data["f"][1].startswith("toilfile:0123456789abcdef0123456789abcdef/a.txt/")
    with pytest.raises(WdlError, match="not found"):
        import_inputs(bind_inputs(doc, {"w.n": 1, "w.f": "missing.txt"}), str(tmp_path), fake_import)


def test_load_errors_are_one_line_with_position(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wdl"
    bad.write_text("version 1.0\nworkflow w {\n  Int x = [1]\n}\n")
    with pytest.raises(WdlError) as info:
        load_document(str(bad))
    assert str(info.value).startswith(f"{bad}:3:")
    assert "\n" not in str(info.value)
    with pytest.raises(WdlError, match="not found"):
        load_document(str(tmp_path / "none.wdl"))
