"""WDL values as plain data, and the toilfile: URIs of WDL files."""

from __future__ import annotations

import pickle

import pytest
import WDL

from toil.core.files import file_id_of, stored_uri
from toil.wdl import values
from toil.wdl.files import file_uri, parse_uri, parse_uri_group


def _struct() -> WDL.Value.Struct:
    kind = WDL.Type.StructInstance("S")
    kind.members = {"a": WDL.Type.Int(), "f": WDL.Type.File(optional=True)}
    return WDL.Value.Struct(kind, {"a": WDL.Value.Int(1), "f": WDL.Value.File("toilfile:x")})


SAMPLES = [
    WDL.Value.Null(),
    WDL.Value.Boolean(True),
    WDL.Value.Int(3),
    WDL.Value.Float(2.5),
    WDL.Value.String("s"),
    WDL.Value.File("/a/b.txt"),
    WDL.Value.Array(WDL.Type.Int(), [WDL.Value.Int(1), WDL.Value.Int(2)]),
    WDL.Value.Array(WDL.Type.String(), []),
    WDL.Value.Map((WDL.Type.Int(), WDL.Type.String()), [(WDL.Value.Int(1), WDL.Value.String("one"))]),
    WDL.Value.Pair(WDL.Type.Int(), WDL.Type.File(), (WDL.Value.Int(1), WDL.Value.File("f"))),
    _struct(),
]


@pytest.mark.parametrize("value", SAMPLES, ids=lambda v: type(v).__name__)
def test_encode_decode_round_trip(value: WDL.Value.Base) -> None:
    data = pickle.loads(pickle.dumps(values.encode(value)))
    back = values.decode(data)
    assert type(back) is type(value)
    assert back.json == value.json
    assert str(back.type) == str(value.type)


def test_map_files_rewrites_nested_files_and_nulls_missing_ones() -> None:
    pair = values.encode(SAMPLES[9])
    renamed = values.map_files(pair, lambda p: "/new/" + p)
    assert values.decode(renamed).json == {"left": 1, "right": "/new/f"}
    assert values.map_files(values.encode(WDL.Value.File("x")), lambda p: None) == ("Null",)
    assert values.files_in(values.encode(_struct())) == ["toilfile:x"]


def test_prefixes() -> None:
    data = {"c.x": ("Int", 1), "c.y": ("Int", 2), "d.x": ("Int", 3)}
    assert values.with_prefix(data, "c") == {"x": ("Int", 1), "y": ("Int", 2)}
    assert values.add_prefix({"x": ("Int", 1)}, "c") == {"c.x": ("Int", 1)}


def test_file_uri_is_the_core_uri_when_the_basename_is_safe() -> None:
    file_id = "0123456789abcdef0123456789abcdef/out.txt"
    uri = file_uri(file_id, "out.txt")
    assert uri == stored_uri(file_id)
    assert file_id_of(uri) == file_id
    assert parse_uri(uri) == (file_id, "out.txt")


def test_file_uri_keeps_unsafe_basenames_and_groups() -> None:
    file_id = "0123456789abcdef0123456789abcdef/a_b.txt"
    uri = file_uri(file_id, "a b#.txt", group="g1")
    assert uri.rsplit("/", 1)[-1] == "a b#.txt"  # what WDL's basename() sees
    assert parse_uri_group(uri) == (file_id, "a b#.txt", "g1")
    bare = file_uri("0123456789abcdef0123456789abcdef", "x.txt")
    assert parse_uri(bare) == ("0123456789abcdef0123456789abcdef", "x.txt")


def test_groups_keep_layout_under_a_root_and_stay_inside_the_download_folder() -> None:
    from toil.wdl.files import group_folder, group_of

    root = "/work/task/work"
    inner = group_of(f"{root}/dir1/file.txt", root)
    top = group_of(f"{root}/dir1", root)
    assert group_folder(inner) == group_folder(top) + "/dir1"
    outside = group_of("/elsewhere/x.txt", root)
    assert group_folder(outside).startswith("g") and "/" not in group_folder(outside)
    assert ".." not in group_folder("abc~..%2F..%2Fetc")
