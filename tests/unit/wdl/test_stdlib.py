"""The stdlib's path hooks: what ``==``, ``!=``, Map lookups and ``join_paths()`` see of a File.

miniwdl 1.15+ passes every File/Directory an operator or a lookup compares through
``_resolve_source_relative_path``; its default refuses any non-absolute path, so a
``toilfile:`` address broke ``a == a`` and ``m[a]`` until these stdlibs overrode it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import WDL

from toil.wdl.files import Downloader, file_uri
from toil.wdl.stdlib import TaskOutputStdLib, TaskStdLib, WorkflowStdLib

STORED_A = file_uri("files/for-job/abc/a.txt", "a.txt")
STORED_B = file_uri("files/for-job/def/b.txt", "b.txt")


class FakeFileStore:
    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch

    def getLocalTempDir(self) -> str:  # noqa: N802 - the file store's API
        return str(self.scratch)


def workflow_lib(tmp_path: Path, version: str, source_dir: str = "") -> WorkflowStdLib:
    return WorkflowStdLib(version, FakeFileStore(tmp_path), source_dir)


def task_lib(tmp_path: Path, version: str, source_dir: str = "") -> TaskStdLib:
    downloader = Downloader(FakeFileStore(tmp_path), str(tmp_path / "inputs"))
    return TaskStdLib(version, downloader, str(tmp_path / "work"), str(tmp_path / "write"), source_dir)


def evaluate(text: str, stdlib: WDL.StdLib.Base, **bound: tuple[WDL.Type.Base, WDL.Value.Base]) -> Any:
    types: WDL.Env.Bindings[WDL.Type.Base] = WDL.Env.Bindings()
    env: WDL.Env.Bindings[WDL.Value.Base] = WDL.Env.Bindings()
    for name, (kind, value) in bound.items():
        types, env = types.bind(name, kind), env.bind(name, value)
    expr = WDL.parse_expr(text, stdlib.wdl_version)
    expr.infer_type(types, stdlib)
    return expr.eval(env, stdlib=stdlib).json


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_stored_files_compare_and_key_maps_in_a_workflow(tmp_path: Path, version: str) -> None:
    stdlib = workflow_lib(tmp_path, version)
    file_map = WDL.Type.Map((WDL.Type.File(), WDL.Type.Int()))
    numbers = WDL.Value.Map(file_map.item_type, [(WDL.Value.File(STORED_A), WDL.Value.Int(1)),
                                                  (WDL.Value.File(STORED_B), WDL.Value.Int(2))])
    bound = {"a": (WDL.Type.File(), WDL.Value.File(STORED_A)), "b": (WDL.Type.File(), WDL.Value.File(STORED_B)),
             "m": (file_map, numbers)}
    assert evaluate("a == a", stdlib, **bound) is True
    assert evaluate("a != b", stdlib, **bound) is True
    assert evaluate("a == b", stdlib, **bound) is False
    assert evaluate("m[a] * 10 + m[b]", stdlib, **bound) == 12


def test_addresses_urls_and_absolute_paths_pass_through(tmp_path: Path) -> None:
    for stdlib in (workflow_lib(tmp_path, "1.2", str(tmp_path)), task_lib(tmp_path, "1.2", str(tmp_path))):
        for path in (STORED_A, "https://example.org/data/a.txt", "s3://bucket/a.txt", "/nowhere/a.txt",
                     "/nowhere/dir/"):
            assert stdlib._resolve_source_relative_path(path) == path


def test_relative_paths_before_1_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert workflow_lib(tmp_path, "1.1")._resolve_source_relative_path("a.txt") == str(tmp_path / "a.txt")
    assert task_lib(tmp_path, "1.0")._resolve_source_relative_path("a.txt") == "a.txt"


def test_relative_paths_from_1_2_are_the_documents(tmp_path: Path) -> None:
    source = tmp_path / "doc"
    (source / "data").mkdir(parents=True)
    (source / "data" / "a.txt").write_text("a\n")
    for stdlib in (workflow_lib(tmp_path, "1.2", str(source)), task_lib(tmp_path, "1.2", str(source))):
        assert stdlib._resolve_source_relative_path("data/./a.txt") == str(source / "data" / "a.txt")
        assert stdlib._resolve_source_relative_path("data/") == str(source / "data")
        with pytest.raises(WDL.Error.InputError, match="not found"):
            stdlib._resolve_source_relative_path("data/missing.txt")
        with pytest.raises(WDL.Error.InputError, match="within WDL source directory"):
            stdlib._resolve_source_relative_path("../outside.txt")
    with pytest.raises(WDL.Error.InputError, match="local WDL source"):
        workflow_lib(tmp_path, "1.2")._resolve_source_relative_path("data/a.txt")


def test_task_outputs_keep_relative_paths(tmp_path: Path) -> None:
    downloader = Downloader(FakeFileStore(tmp_path), str(tmp_path / "inputs"))
    stdlib = TaskOutputStdLib("1.2", downloader, str(tmp_path / "work"), str(tmp_path / "write"), str(tmp_path))
    assert stdlib._resolve_source_relative_path("made.txt") == "made.txt"


def test_join_paths_resolves_against_the_document_or_the_working_directory(tmp_path: Path) -> None:
    source = str(tmp_path / "doc")
    assert evaluate('join_paths("sub", "x.txt")', workflow_lib(tmp_path, "1.2", source)) == \
        os.path.join(source, "sub", "x.txt")
    assert evaluate('join_paths(["sub", "x.txt"])', task_lib(tmp_path, "1.2", source)) == \
        str(tmp_path / "work" / "sub" / "x.txt")
    with pytest.raises(WDL.Error.InputError, match="local WDL source"):
        evaluate('join_paths("sub", "x.txt")', workflow_lib(tmp_path, "1.2"))
