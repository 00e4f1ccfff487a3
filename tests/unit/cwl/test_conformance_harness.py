from conformance.cwl import report, suite
from conformance.cwl.suite import CaseOutcome


def outcome(name, status, number=1, tags=("required",)):
    return CaseOutcome(id=name, number=number, tags=list(tags), status=status)


def test_expand_range():
    assert suite.expand_range("1-3,7, 9-10") == [1, 2, 3, 7, 9, 10]


def test_select_by_number_tag_and_name():
    tests = [{"short_name": "a", "tags": ["x"]}, {"short_name": "b", "tags": ["y"]}, {"short_name": "c"}]
    assert [n for n, _ in suite.select_tests(tests, numbers=[2, 3])] == [2, 3]
    assert [t["short_name"] for _, t in suite.select_tests(tests, tags=["y"])] == ["b"]
    assert [t["short_name"] for _, t in suite.select_tests(tests, exclude_tags=["x"])] == ["b", "c"]
    assert [t["short_name"] for _, t in suite.select_tests(tests, names=["c"])] == ["c"]


def test_test_id_is_the_short_name():
    assert suite.test_id({"id": "file:///x/conformance_tests.yaml#cl_basic"}, 1) == "cl_basic"
    assert suite.test_id({}, 7) == "test7"


def test_compare_finds_regressions_and_new_passes():
    baseline = {"a": "pass", "b": "docker: needs a container", "c": "pass"}
    run = [outcome("a", "pass"), outcome("b", "pass"), outcome("c", "fail"), outcome("d", "fail")]
    comparison = report.compare(run, baseline)
    assert comparison.regressions == ["c"]
    assert comparison.newly_passing == ["b"]
    assert comparison.unknown == ["d"]
    assert not comparison.ok


def test_updated_baseline_keeps_reasons():
    baseline = {"b": "needs docker"}
    merged = report.updated_baseline([outcome("a", "pass"), outcome("b", "fail"), outcome("c", "unsupported")],
                                     baseline)
    assert merged["a"] == "pass" and merged["b"] == "needs docker" and merged["c"].startswith("unsupported")


def test_summary_counts_by_tag():
    run = [outcome("a", "pass", 1, ["required", "workflow"]), outcome("b", "fail", 2, ["workflow"])]
    table = report.counts_by_tag(run)
    assert table["all"] == {"pass": 1, "fail": 1, "total": 2}
    assert table["workflow"]["total"] == 2
    text = report.summary_markdown(run, "t", {"b": "why"})
    assert "| workflow | 1 | 1 | 0 | 0 | 2 |" in text and "`b` (fail): why" in text


def test_baseline_file_round_trip(tmp_path):
    path = tmp_path / "baseline.yaml"
    report.write_baseline(str(path), {"b": "reason: with colon", "a": "pass"}, ["a", "b"])
    assert report.load_baseline(str(path)) == {"a": "pass", "b": "reason: with colon"}


def test_read_results_later_runs_win(tmp_path):
    first = report.write_results([outcome("a", "fail", 1), outcome("b", "pass", 2)], str(tmp_path), "one")
    second = report.write_results([outcome("a", "pass", 1)], str(tmp_path), "two")
    merged = report.read_results([first, second])
    assert [(o.id, o.status) for o in merged] == [("a", "pass"), ("b", "pass")]
