from pathlib import Path

from toil.cwl import load
from toil.cwl.cli import build_parser

DATA = Path(__file__).resolve().parents[2] / "integration" / "cwl" / "data"


def test_packed_id_follows_cwltool_pack_rewrites():
    rewrite = {"file:///d/wf.cwl": "#main", "file:///d/echo.cwl": "#echo.cwl"}
    assert load.packed_id("file:///d/wf.cwl#echo", rewrite) == "main/echo"
    assert load.packed_id("file:///d/echo.cwl", rewrite) == "echo.cwl"
    assert load.packed_id("file:///d/other.cwl#x", rewrite) == "x"


def test_worker_loads_the_packed_copy_when_not_cached():
    options = build_parser().parse_args([str(DATA / "scatter-wf.cwl")])
    loaded = load.load_document(options)
    packed = load.pack_document(loaded)
    assert packed is not None
    step_id = next(s.id for s in loaded.tool.steps if s.id.endswith("#echo"))
    ref = load.ProcessRef("file:///not/cached/scatter-wf.cwl", (), False, "packed-file-id")
    step, tool = load.resolve(ref.step(step_id), read=lambda file_id: packed)
    assert step is not None and step.id.endswith("#main/echo")
    assert tool.tool["class"] == "CommandLineTool" and tool.tool["baseCommand"] in ("echo", ["echo"])
