import pytest

from toil.cwl import links


def test_single_source_passes_the_value():
    assert links.parameter_value({"id": "x", "source": "a"}, [5]) == 5


def test_several_sources_merge_nested_by_default():
    assert links.parameter_value({"id": "x", "source": ["a", "b"]}, [[1], 2]) == [[1], 2]


def test_merge_flattened():
    parameter = {"id": "x", "source": ["a", "b"], "linkMerge": "merge_flattened"}
    assert links.parameter_value(parameter, [[1, 2], 3]) == [1, 2, 3]


def test_default_used_for_null_or_missing_source():
    assert links.parameter_value({"id": "x", "source": "a", "default": 7}, [None]) == 7
    assert links.parameter_value({"id": "x", "default": 7}, None) == 7
    assert links.parameter_value({"id": "x"}, None) is None


@pytest.mark.parametrize(
    ("pick", "values", "expected"),
    [
        ("first_non_null", [None, 1, 2], 1),
        ("the_only_non_null", [None, 3, None], 3),
        ("all_non_null", [None, 1, None, 2], [1, 2]),
    ],
)
def test_pick_value(pick, values, expected):
    parameter = {"id": "wf#x", "source": ["a", "b", "c"], "pickValue": pick}
    assert links.parameter_value(parameter, values) == expected


def test_pick_value_errors():
    with pytest.raises(links.LinkError, match="All sources for 'x' are null"):
        links.pick([None, None], "first_non_null", "x")
    with pytest.raises(links.LinkError, match="only one"):
        links.pick([1, 2], "the_only_non_null", "x")


def test_shortname():
    assert links.shortname("file:///a/wf.cwl#step/out") == "out"
    assert links.shortname("file:///a/wf.cwl#inp") == "inp"
