import json
from pathlib import Path

from toil.cwl import load
from toil.cwl.cli import build_parser

DATA = Path(__file__).resolve().parents[2] / "integration" / "cwl" / "data"


def test_worker_loads_the_recorded_texts_when_the_files_are_gone(tmp_path):
    """A worker elsewhere loads the leader's texts under the leader's URIs: same ids, no disk read."""
    for name in ("scatter-wf.cwl", "echo.cwl"):
        (tmp_path / name).write_text((DATA / name).read_text())
    options = build_parser().parse_args([str(tmp_path / "scatter-wf.cwl")])
    loaded = load.load_document(options)
    recorded = loaded.sources.to_json()
    assert sorted(Path(url).name for url in json.loads(recorded)["texts"]) == ["echo.cwl", "scatter-wf.cwl"]
    for name in ("scatter-wf.cwl", "echo.cwl"):
        (tmp_path / name).unlink()
    step_id = next(s.id for s in loaded.tool.steps if s.id.endswith("#echo"))
    ref = load.ProcessRef(load.document_key(loaded.uri), (), False, "sources-file-id")
    load._documents.pop(ref.document, None)
    step, tool = load.resolve(ref.step(step_id), read=lambda file_id: recorded)
    assert step is not None and step.id == step_id
    assert tool.tool["class"] == "CommandLineTool" and tool.tool["baseCommand"] in ("echo", ["echo"])
