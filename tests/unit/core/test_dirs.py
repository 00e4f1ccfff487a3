"""The one stored-directory format (toil.core.dirs): a local tree in, the same tree back out."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from toil.core import dirs
from toil.core.files import stored_uri


class FakeStore:
    """Files kept under a folder, named by a counter: just enough of a job store."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def write(self, path: str) -> str:
        self.count += 1
        file_id = f"f{self.count}/{os.path.basename(path)}"
        (self.root / file_id).parent.mkdir(parents=True)
        shutil.copyfile(path, self.root / file_id)
        return file_id

    def read(self, file_id: str, path: str) -> None:
        shutil.copyfile(self.root / file_id, path)


def make_tree(root: Path) -> Path:
    top = root / "top"
    (top / "sub" / "deeper").mkdir(parents=True)
    (top / "empty").mkdir()
    (top / "a.txt").write_text("a")
    (top / "sub" / "b.txt").write_text("b")
    (top / "sub" / "deeper" / "c.txt").write_text("c")
    (top / "broken").symlink_to(root / "nowhere")
    return top


def test_a_directory_stores_as_a_nested_tree_of_file_uris(tmp_path: Path) -> None:
    store = FakeStore(tmp_path / "store")
    subdirs: list[str] = []
    tree = dirs.tree_of(str(make_tree(tmp_path)), lambda p: stored_uri(store.write(p)), subdirs)
    assert set(tree) == {"a.txt", "sub", "empty"}  # the broken link is left out
    assert tree["empty"] == {}
    assert dirs.entry(tree, "sub/deeper/c.txt") == tree["sub"]["deeper"]["c.txt"]
    assert dirs.entry(tree, "sub/nothing") is None and dirs.entry(tree, "a.txt/x") is None
    assert dirs.entry(tree, "") is tree
    assert sorted(os.path.basename(s) for s in subdirs) == ["deeper", "empty", "sub"]
    assert [relative for relative, _ in dirs.files_in(tree)] == ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]
    assert [relative for relative, _ in dirs.walk(tree)] == [
        "a.txt", "empty", "sub", "sub/b.txt", "sub/deeper", "sub/deeper/c.txt"]


def test_a_stored_tree_reads_back_and_localizes(tmp_path: Path) -> None:
    store = FakeStore(tmp_path / "store")
    tree = dirs.tree_of(str(make_tree(tmp_path)), lambda p: stored_uri(store.write(p)))
    tree_id = dirs.write_tree(tree, store.write, "top")
    assert tree_id.endswith("/top")
    assert dirs.read_tree(store.read, tree_id) == tree
    placed = dirs.localize(dirs.read_tree(store.read, tree_id), str(tmp_path / "out"), store.read)
    out = tmp_path / "out"
    assert (out / "sub" / "deeper" / "c.txt").read_text() == "c"
    assert (out / "empty").is_dir() and not list((out / "empty").iterdir())
    assert ("a.txt", tree["a.txt"], str(out / "a.txt")) in placed


def test_anything_but_the_format_is_refused() -> None:
    assert dirs.decode(json.dumps({"x": "toilfile:1", "d": {}})) == {"x": "toilfile:1", "d": {}}
    with pytest.raises(dirs.TreeFormatError):
        dirs.decode("[]")
    with pytest.raises(dirs.TreeFormatError):
        dirs.decode(json.dumps({"files": {"a": "toilfile:1"}, "dirs": []}))
    with pytest.raises(dirs.TreeFormatError):
        dirs.decode(json.dumps({"a": "/local/path"}))
