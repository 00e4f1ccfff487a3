"""The parsed CWL schemas are kept in the user's cache and serve the next process like fresh ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cwltool import process as cwltool_process

from toil.cwl import schemas

TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  word: {type: string, inputBinding: {position: 1}}
outputs: {}
"""

LOAD = """
import sys
from toil.cwl import schemas
from toil.cwl.cli import build_parser
from toil.cwl.load import load_document
from cwltool import process
loaded = load_document(build_parser().parse_args(["--no-container", sys.argv[1], "--word", "hi"]))
print(loaded.tool.tool["class"], sorted(process.SCHEMA_CACHE))
"""


@pytest.fixture
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(schemas, "_warmed", False)
    monkeypatch.setattr(cwltool_process, "SCHEMA_CACHE", {})
    return tmp_path


def _load_in_a_new_process(tool: Path) -> str:
    done = subprocess.run([sys.executable, "-c", LOAD, str(tool)], capture_output=True, text=True, env=os.environ,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_first_process_writes_the_cache_and_the_next_loads_with_it(isolated_cache: Path) -> None:
    tool = isolated_cache / "echo.cwl"
    tool.write_text(TOOL)
    assert _load_in_a_new_process(tool) == "CommandLineTool ['v1.0', 'v1.1', 'v1.2']"
    path = Path(schemas.cache_path())
    assert path.is_file() and str(path).startswith(str(isolated_cache / "cache" / "toil"))
    written = path.stat().st_mtime_ns
    assert _load_in_a_new_process(tool) == "CommandLineTool ['v1.0', 'v1.1', 'v1.2']"
    assert path.stat().st_mtime_ns == written, "the second process parsed the schemas again"


def test_cached_schemas_validate_like_fresh_ones(isolated_cache: Path) -> None:
    schemas.warm()  # parses and writes
    fresh = cwltool_process.SCHEMA_CACHE["v1.2"]
    cwltool_process.SCHEMA_CACHE.clear()
    schemas._warmed = False
    schemas.warm()  # reads
    cached = cwltool_process.SCHEMA_CACHE["v1.2"]
    assert cached is not fresh
    assert sorted(cached[1].names) == sorted(fresh[1].names)
    assert cached[0].idx.normalize is fresh[0].idx.normalize and len(cached[0].idx) == len(fresh[0].idx)


def test_a_torn_cache_is_ignored_and_written_again(isolated_cache: Path) -> None:
    path = Path(schemas.cache_path())
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x80\x05 torn")
    schemas.warm()
    assert sorted(cwltool_process.SCHEMA_CACHE) == ["v1.0", "v1.1", "v1.2"]
    assert path.stat().st_size > 100_000


def test_it_can_be_turned_off(isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOIL_CWL_SCHEMA_CACHE", "0")
    schemas.warm()
    assert cwltool_process.SCHEMA_CACHE == {} and not Path(schemas.cache_path()).exists()
