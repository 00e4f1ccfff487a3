import copy
import os
from pathlib import Path

from toil.cwl import files
from toil.cwl.transfer import Exporter, Importer, OutputUploader, Stager


class FakeStore:
    """Files kept in a dict, ids counted: the upload/read/export callables the transfer code takes."""

    def __init__(self):
        self.files = {}

    def upload(self, path):
        file_id = f"id{len(self.files)}/{os.path.basename(path)}"
        with open(path, "rb") as f:
            self.files[file_id] = f.read()
        return file_id

    def read(self, file_id, path, mutable=False):
        with open(path, "wb") as f:
            f.write(self.files[file_id])


def test_dir_uri_round_trip_and_entries():
    tree = {"a.txt": "toilfile:id1/a.txt", "sub": {"b.txt": "toilfile:id2/b.txt"}}
    uri = files.dir_uri("tree9/tree.json")
    assert files.is_dir_uri(uri) and "/" not in uri[len("toildir:"):]
    assert files.parse_dir_uri(uri + "/sub/b.txt") == ("tree9/tree.json", "sub/b.txt")
    trees = {"tree9/tree.json": tree}
    assert files.resolve_dir_entry(uri + "/sub/b.txt", trees.__getitem__) == "toilfile:id2/b.txt"
    assert files.resolve_dir_entry(uri + "/sub", trees.__getitem__) == {"b.txt": "toilfile:id2/b.txt"}
    assert files.resolve_dir_entry(uri + "/missing", trees.__getitem__) is None


class TreeStore(FakeStore):
    """What ToilFsAccess reads stored trees through."""

    def read_file_stream(self, file_id):
        import contextlib
        import io

        return contextlib.nullcontext(io.BytesIO(self.files[file_id]))


def test_fs_access_lists_stored_directories(tmp_path):
    store = TreeStore()
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_text("a")
    uri = Importer(store.upload).directory(str(tmp_path / "d"))
    fs = files.ToilFsAccess("", store)
    assert fs.isdir(uri) and fs.isdir(uri + "/sub") and not fs.isdir(uri + "/a.txt")
    assert fs.listdir(uri) == [uri + "/a.txt", uri + "/sub"]
    assert fs.isfile(uri + "/a.txt")


def _job_order(tmp_path):
    (tmp_path / "in.txt").write_text("hello")
    (tmp_path / "in.txt.idx").write_text("index")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("x")
    return {
        "f": {"class": "File", "location": (tmp_path / "in.txt").as_uri(),
              "secondaryFiles": [{"class": "File", "location": (tmp_path / "in.txt.idx").as_uri()}]},
        "d": {"class": "Directory", "location": (tmp_path / "d").as_uri(),
              "listing": [{"class": "File", "location": (tmp_path / "d" / "x.txt").as_uri()}]},
        "n": 3,
        "lit": {"class": "File", "location": "_:abc", "basename": "lit.txt", "contents": "c"},
    }


def test_import_stage_upload_export(tmp_path):
    store = FakeStore()
    order = Importer(store.upload).convert(_job_order(tmp_path))
    assert order["f"]["location"].startswith("toilfile:")
    assert order["f"]["secondaryFiles"][0]["location"].startswith("toilfile:")
    assert files.is_dir_uri(order["d"]["location"])
    assert order["lit"]["location"] == "_:abc"
    assert order["d"]["listing"][0]["location"].startswith("toilfile:")

    stager = Stager(str(tmp_path / "stage"), store.read)
    staged = stager.stage(order)
    local = files.local_path_of(staged["f"]["location"])
    assert Path(local).read_text() == "hello" and os.path.basename(local) == "in.txt"
    staged_dir = files.local_path_of(staged["d"]["location"])
    assert Path(staged_dir, "x.txt").read_text() == "x"
    assert files.local_path_of(staged["d"]["listing"][0]["location"]) == os.path.join(staged_dir, "x.txt")

    before = len(store.files)
    uploaded = OutputUploader(store.upload, stager.origin).upload(staged)
    assert len(store.files) == before  # unchanged inputs are not uploaded again
    assert uploaded["f"]["location"] == order["f"]["location"]

    exported = Exporter(str(tmp_path / "out"), lambda file_id, path: store.read(file_id, path)).export_all(uploaded)
    assert exported["f"]["path"] == str(tmp_path / "out" / "in.txt")
    assert exported["f"]["checksum"].startswith("sha1$") and exported["f"]["size"] == 5
    assert os.path.exists(tmp_path / "out" / "in.txt.idx")
    assert (tmp_path / "out" / "d" / "x.txt").read_text() == "x"
    assert exported["d"]["listing"][0]["path"] == str(tmp_path / "out" / "d" / "x.txt")
    assert (tmp_path / "out" / "lit.txt").read_text() == "c"
    assert "contents" not in exported["lit"]


def test_missing_input_is_a_clear_error(tmp_path):
    store = FakeStore()
    order = {"f": {"class": "File", "location": (tmp_path / "nope.txt").as_uri()}}
    try:
        Importer(store.upload).convert(order)
    except files.CWLFileError as e:
        assert "nope.txt does not exist" in str(e)
    else:
        raise AssertionError("expected CWLFileError")


def test_export_renames_clashing_basenames(tmp_path):
    store = FakeStore()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "same.txt").write_text("1")
    (tmp_path / "b" / "same.txt").write_text("2")
    order = Importer(store.upload).convert([
        {"class": "File", "location": (tmp_path / "a" / "same.txt").as_uri()},
        {"class": "File", "location": (tmp_path / "b" / "same.txt").as_uri()},
    ])
    out = Exporter(str(tmp_path / "out"), lambda file_id, path: store.read(file_id, path)).export_all(order)
    assert [os.path.basename(o["path"]) for o in out] == ["same.txt", "same.txt_2"]


def test_in_place_changes_are_written_back(tmp_path):
    store = FakeStore()
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("x")
    (tmp_path / "f.txt").write_text("3")
    order = Importer(store.upload).convert({
        "d": {"class": "Directory", "location": (tmp_path / "d").as_uri()},
        "f": {"class": "File", "location": (tmp_path / "f.txt").as_uri()},
    })
    stager = Stager(str(tmp_path / "stage"), store.read, mutable=True)
    staged = stager.stage(copy.deepcopy(order))
    Path(files.local_path_of(staged["f"]["location"])).write_text("four")
    Path(files.local_path_of(staged["d"]["location"]), "new.txt").write_text("n")

    def overwrite(path, file_id):
        store.files[file_id] = Path(path).read_bytes()

    stager.write_back(store.upload, overwrite)
    assert store.files[files.file_id_of(order["f"]["location"])] == b"four"
    again = Stager(str(tmp_path / "again"), store.read).stage(order)
    assert sorted(os.listdir(files.local_path_of(again["d"]["location"]))) == ["new.txt", "x.txt"]
