"""stores/staging.py on a real local filesystem: inputs linked in and checked, outputs linked or moved out."""

from __future__ import annotations

import os
from pathlib import Path

from toil.stores import staging
from toil.stores.file import FileJobStore

BIG = staging.LINK_MIN_SIZE


def store_in(tmp_path: Path) -> FileJobStore:
    store = FileJobStore("file:" + str(tmp_path / "js"), str(tmp_path / "js"))
    store.create()
    return store


def test_small_and_special_files_are_not_linked(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(b"x" * 10)
    assert not staging.linkable(str(small))
    assert not staging.linkable("/dev/null")
    assert not staging.linkable(str(tmp_path / "missing"))
    store = store_in(tmp_path)
    assert store.link_import(str(small), store.new_file_id("small.txt")) is False


def test_link_import_records_and_detects_changes(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    source = tmp_path / "in.bin"
    source.write_bytes(b"a" * BIG)
    file_id = store.new_file_id("in.bin")
    assert store.link_import(str(source), file_id)
    stored = store.local_path(file_id)
    assert stored is not None and os.stat(stored).st_ino == os.stat(source).st_ino
    assert store.changed_imports() == []
    with open(source, "ab") as f:
        f.write(b"b")
    (changed,) = store.changed_imports()
    assert str(source) in changed and "size" in changed and "modification time" in changed


def test_a_replaced_input_keeps_the_linked_content(tmp_path: Path) -> None:
    """An editor that writes a new file and renames it over the input leaves the store's link as it was."""
    store = store_in(tmp_path)
    source = tmp_path / "in.bin"
    source.write_bytes(b"a" * BIG)
    file_id = store.new_file_id("in.bin")
    store.link_import(str(source), file_id)
    replacement = tmp_path / "new.bin"
    replacement.write_bytes(b"z" * BIG)
    os.replace(replacement, source)
    assert store.changed_imports() == []
    with store.read_file_stream(file_id) as f:
        assert f.read(1) == b"a"


def test_link_out_copies_a_file_that_is_also_an_input(tmp_path: Path) -> None:
    stored, shared = tmp_path / "stored", tmp_path / "input"
    stored.write_bytes(b"out")
    staging.link_out(str(stored), str(tmp_path / "a"))
    assert os.stat(tmp_path / "a").st_ino == os.stat(stored).st_ino
    os.link(stored, shared)  # now it has a name outside the store too
    staging.link_out(str(stored), str(tmp_path / "b"))
    assert os.stat(tmp_path / "b").st_ino != os.stat(stored).st_ino
    assert (tmp_path / "b").read_bytes() == b"out"


def test_move_out_leaves_a_symbolic_link_and_copies_the_second_time(tmp_path: Path) -> None:
    stored = tmp_path / "stored"
    stored.write_bytes(b"out")
    inode = os.stat(stored).st_ino
    staging.move_out(str(stored), str(tmp_path / "first"))
    assert os.stat(tmp_path / "first", follow_symlinks=False).st_ino == inode
    assert stored.is_symlink() and os.readlink(stored) == str(tmp_path / "first")
    staging.move_out(str(stored), str(tmp_path / "second"))  # the same file exported again
    assert not (tmp_path / "second").is_symlink() and (tmp_path / "second").read_bytes() == b"out"
    assert os.stat(tmp_path / "second").st_ino != inode
