"""The per-job file store over a real file job store."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from toil.core.filestore import FileID, FileStore, ScratchSlot
from toil.stores.file import FileJobStore


@pytest.fixture
def file_store(tmp_path: Path) -> FileStore:
    store = FileJobStore(f"file:{tmp_path / 'store'}", str(tmp_path / "store"))
    store.create()
    return FileStore(store, "jtest", str(tmp_path / "work"))


def test_write_then_read_copies_and_links(file_store: FileStore, tmp_path: Path) -> None:
    local = tmp_path / "in.txt"
    local.write_text("hello\n")
    file_id = file_store.writeGlobalFile(str(local))
    assert isinstance(file_id, FileID) and file_id.size == 6
    local.write_text("changed after the write\n")  # the stored copy is independent
    linked = file_store.readGlobalFile(file_id)
    assert Path(linked).read_text() == "hello\n"
    stored = file_store.jobStore.local_path(file_id)
    assert stored is not None and os.stat(linked).st_ino == os.stat(stored).st_ino
    mutable = file_store.readGlobalFile(file_id, mutable=True)
    assert os.stat(mutable).st_ino != os.stat(stored).st_ino
    Path(mutable).write_text("edited")
    assert Path(stored).read_text() == "hello\n"
    symlinked = file_store.readGlobalFile(file_id, str(tmp_path / "sym.txt"), symlink=True)
    assert os.path.islink(symlinked) and Path(symlinked).read_text() == "hello\n"


def test_streams_binary_and_text(file_store: FileStore) -> None:
    with file_store.writeGlobalFileStream() as (handle, file_id):
        handle.write(b"bytes\n")
    assert file_id.size == 6
    with file_store.readGlobalFileStream(file_id) as handle:
        assert handle.read() == b"bytes\n"
    with file_store.writeGlobalFileStream(encoding="utf-8") as (handle, text_id):
        handle.write("naïve\n")
    with file_store.readGlobalFileStream(text_id, encoding="utf-8") as handle:
        assert handle.read() == "naïve\n"


def test_failed_stream_stores_nothing(file_store: FileStore) -> None:
    with pytest.raises(RuntimeError), file_store.writeGlobalFileStream() as (handle, file_id):
        handle.write(b"partial")
        raise RuntimeError("interrupted")
    assert not file_store.jobStore.file_exists(file_id)


def test_delete_global_file_is_deferred_to_commit(file_store: FileStore, tmp_path: Path) -> None:
    local = tmp_path / "x"
    local.write_text("x")
    file_id = file_store.writeGlobalFile(str(local))
    copy = file_store.readGlobalFile(file_id)
    file_store.deleteGlobalFile(file_id)
    assert file_store.jobStore.file_exists(file_id), "deleted before the job committed"
    assert file_store.to_delete == [file_id]
    assert not os.path.exists(copy), "local copies go at once"


def test_delete_local_file(file_store: FileStore, tmp_path: Path) -> None:
    local = tmp_path / "y"
    local.write_text("y")
    file_id = file_store.writeGlobalFile(str(local))
    copy = file_store.readGlobalFile(file_id, mutable=True)
    file_store.deleteLocalFile(file_id)
    assert not os.path.exists(copy)
    assert file_store.jobStore.file_exists(file_id)
    with pytest.raises(OSError):
        file_store.deleteLocalFile("no-such-local-copy")


def test_temp_files_live_in_the_job_dir_and_go_at_cleanup(file_store: FileStore) -> None:
    temp_dir = file_store.getLocalTempDir()
    temp_file = file_store.getLocalTempFile(suffix=".txt")
    name = file_store.getLocalTempFileName()
    assert temp_file.startswith(temp_dir) and temp_file.endswith(".txt") and os.path.exists(temp_file)
    assert name.startswith(temp_dir) and not os.path.exists(name)
    file_store.cleanup()
    assert not os.path.exists(temp_dir)


def test_file_id_keeps_its_size_through_pickling() -> None:
    file_id = FileID("abc", 42, executable=True)
    copy = pickle.loads(pickle.dumps(file_id))
    assert copy == "abc" and copy.size == 42 and copy.executable
    assert FileID.unpack(file_id.pack()) == file_id and FileID.unpack(file_id.pack()).size == 42


def test_log_to_leader_is_recorded(file_store: FileStore) -> None:
    file_store.logToMaster("one")
    file_store.log_to_leader("two", 30)
    assert file_store.messages == [[20, "one"], [30, "two"]]


def test_a_scratch_file_is_linked_into_the_store_and_others_copied(file_store: FileStore, tmp_path: Path) -> None:
    inside = Path(file_store.getLocalTempDir()) / "out.txt"
    inside.write_text("output\n")
    stored = file_store.jobStore.local_path(file_store.write_scratch_file(str(inside)))
    assert stored is not None and os.stat(stored).st_ino == os.stat(inside).st_ino
    outside = tmp_path / "user.txt"
    outside.write_text("mine\n")
    copied = file_store.jobStore.local_path(file_store.write_scratch_file(str(outside)))
    assert copied is not None and os.stat(copied).st_ino != os.stat(outside).st_ino


def test_a_reused_scratch_keeps_only_what_the_job_named_and_empties_it(tmp_path: Path) -> None:
    store = FileJobStore(f"file:{tmp_path / 'store'}", str(tmp_path / "store"))
    store.create()
    slot = ScratchSlot(str(tmp_path / "work"))
    first = FileStore(store, "jone", str(tmp_path / "work"), scratch=slot)
    scratch = Path(first.getLocalTempDir())
    assert scratch.name == f"jone-r{os.getpid()}" and str(scratch) == slot.path
    first.keep_between_jobs("work", "stdout.txt", "stderr.txt")
    (scratch / "work" / "deep").mkdir(parents=True)
    (scratch / "work" / "deep" / "left.txt").write_text("x")
    (scratch / "stdout.txt").write_text("first job's output\n")
    (scratch / "stderr.txt").write_text("kept in the store\n")
    stored = store.local_path(first.write_scratch_file(str(scratch / "stderr.txt")))
    (scratch / "other").mkdir()
    (scratch / "loose.txt").write_text("y")
    first.cleanup()
    assert sorted(os.listdir(scratch)) == ["stdout.txt", "work"]
    assert os.listdir(scratch / "work") == [] and (scratch / "stdout.txt").read_text() == ""
    assert stored is not None and Path(stored).read_text() == "kept in the store\n", "a linked file was truncated"
    second = FileStore(store, "jtwo", str(tmp_path / "work"), scratch=slot)
    renamed = second.getLocalTempDir()
    assert renamed == slot.path and os.path.basename(renamed) == f"jtwo-r{os.getpid()}" and not scratch.exists()
    assert (Path(renamed) / "work").is_dir(), "the next job finds the kept directory (empty)"
    second.cleanup()
    assert os.listdir(renamed) == [], "the next job did not keep them: they go"
