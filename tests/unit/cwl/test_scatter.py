import pytest

from toil.cwl import scatter


def test_dotproduct_pairs_elements():
    jobs = scatter.plan({"a": [1, 2], "b": ["x", "y"], "c": 0}, ["a", "b"], "dotproduct")
    assert jobs == [{"a": 1, "b": "x", "c": 0}, {"a": 2, "b": "y", "c": 0}]


def test_dotproduct_needs_equal_lengths():
    with pytest.raises(scatter.ScatterError):
        scatter.plan({"a": [1, 2], "b": ["x"]}, ["a", "b"], "dotproduct")


def test_single_key_defaults_to_dotproduct():
    assert scatter.plan({"a": [1, 2, 3]}, ["a"], None) == [{"a": 1}, {"a": 2}, {"a": 3}]


def test_nested_crossproduct_keeps_one_level_per_key():
    jobs = scatter.plan({"a": [1, 2], "b": ["x", "y", "z"]}, ["a", "b"], "nested_crossproduct")
    assert len(jobs) == 2 and all(len(row) == 3 for row in jobs)
    assert jobs[1][2] == {"a": 2, "b": "z"}


def test_flat_crossproduct_flattens():
    jobs = scatter.plan({"a": [1, 2], "b": ["x", "y"]}, ["a", "b"], "flat_crossproduct")
    assert [(j["a"], j["b"]) for j in jobs] == [(1, "x"), (1, "y"), (2, "x"), (2, "y")]


def test_empty_arrays():
    assert scatter.plan({"a": []}, ["a"], None) == []
    nested = scatter.plan({"a": [1, 2], "b": []}, ["a", "b"], "nested_crossproduct")
    assert nested == [[], []]
    assert scatter.plan({"a": [1, 2], "b": []}, ["a", "b"], "flat_crossproduct") == []


def test_scatter_of_non_array_is_an_error():
    with pytest.raises(scatter.ScatterError):
        scatter.plan({"a": 3}, ["a"], None)


def test_outputs_follow_the_plan_shape():
    jobs = scatter.plan({"a": [1, 2], "b": [10, 20]}, ["a", "b"], "nested_crossproduct")
    results = scatter.reshape(jobs, lambda job: {"sum": job["a"] + job["b"], "other": None})
    assert scatter.split_outputs(results, ["sum", "other"]) == {
        "sum": [[11, 21], [12, 22]],
        "other": [[None, None], [None, None]],
    }
