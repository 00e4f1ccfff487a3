"""The WDL conformance harness's pure parts: version rewriting and output judging."""

from __future__ import annotations

from pathlib import Path

from conformance.wdl.baseline import compare_with_baseline
from conformance.wdl.compare import judge, parse_type
from conformance.wdl.rewrite import rewrite, version_of
from conformance.wdl.run import Result, parse_range

SOURCE = """\
# a comment
version 1.1

workflow w {
  input {
    Int x = 1
  }
  call t
}

task t {
  command <<<
    echo ~{x}
  >>>
  runtime {
    container: "ubuntu"
  }
}
"""


def test_version_detection() -> None:
    assert version_of(SOURCE.splitlines()) == "1.1"
    assert version_of(["workflow w {}"]) == "draft-2"


def test_rewrite_for_draft_2() -> None:
    text = rewrite(SOURCE, "draft-2")
    assert "version" not in text and "input {" not in text and "# a comment" not in text
    assert "echo ${x}" in text
    assert 'docker: "ubuntu"' in text
    assert "Int x = 1" in text


def test_rewrite_for_1_0_keeps_inputs_and_placeholders() -> None:
    text = rewrite(SOURCE, "1.0")
    assert text.startswith("version 1.0\n")
    assert "input {" in text and "echo ~{x}" in text and 'docker: "ubuntu"' in text
    assert rewrite(SOURCE, "1.1") == SOURCE


def test_parse_type() -> None:
    assert parse_type("Map[String, Array[Int]]") == ("Map", ("String",), ("Array", ("Int",)))
    assert parse_type("Array[File]+") == ("Array", ("File",))
    assert parse_type({"a": "Int"}) == ("Struct", {"a": ("Int",)})


def test_judge(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("hello\n")
    expected = {
        "w.f": {"type": "File", "value": {"md5sum": "b1946ac92492d2347c6235b4d2611184"}},
        "w.r": {"type": "File", "value": {"regex": "hel+o"}},
        "w.m": {"type": "Map[Int, String]", "value": {1: "a"}},
        "w.p": {"type": "Pair[Int, Boolean]", "value": {"left": 1, "right": True}},
    }
    good = {"outputs": {"w.f": str(out), "w.r": str(out), "w.m": {"1": "a"}, "w.p": {"left": 1, "right": True}}}
    assert judge(expected, good) is None
    bad = dict(good["outputs"], **{"w.p": {"left": 1, "right": 1}})
    assert "w.p.right" in (judge(expected, {"outputs": bad}) or "")
    assert "outputs" in (judge(expected, {"outputs": {}}) or "")


def test_ranges_and_baseline() -> None:
    assert parse_range("0-2,5") == {0, 1, 2, 5}
    results = [Result(1, "a", "1.0", "fail", "boom"), Result(2, "b", "1.0", "pass")]
    assert compare_with_baseline({"a@1.0": "pass", "b@1.0": "pass"}, results) == ["a@1.0: boom"]
    assert compare_with_baseline({"a@1.0": "known: needs network"}, results) == []
