"""The pure parts of the server: run-state transitions, the state store's compare-and-set, attachment names."""

from __future__ import annotations

import io
import posixpath
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.server.wes import race
from toil.server.states import TERMINAL, State, can_move
from toil.server.store import LocalStateStore, new_run_id
from toil.server.submission import (
    RequestError,
    engine_arguments,
    parse_run_request,
    python_arguments,
    safe_relative_name,
)


@given(st.lists(st.sampled_from(list(State)), max_size=30))
def test_a_terminal_state_never_changes(targets: list[State]) -> None:
    current = State.UNKNOWN
    for target in targets:
        if can_move(current, target):
            assert current not in TERMINAL
            current = target
    for terminal in TERMINAL:
        assert not any(can_move(terminal, other) for other in State)


def test_store_moves_only_along_allowed_transitions(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    run_id = new_run_id()
    store.create(run_id, {"workflow_type": "CWL"})
    assert store.state(run_id) == State.UNKNOWN
    assert not store.move(run_id, State.RUNNING)
    assert store.move(run_id, State.QUEUED)
    assert not store.move(run_id, State.INITIALIZING, only_from=frozenset({State.RUNNING}))
    assert store.move(run_id, State.INITIALIZING, also={"executor": {"pid": 1}})
    assert store.read(run_id, "executor") == {"pid": 1}
    assert store.move(run_id, State.RUNNING) and store.move(run_id, State.COMPLETE)
    assert not store.move(run_id, State.CANCELING) and not store.move(run_id, State.SYSTEM_ERROR)
    assert store.state(run_id) == State.COMPLETE
    assert [h[0] for h in store.read(run_id, "state")["history"]] == ["UNKNOWN", "QUEUED", "INITIALIZING", "RUNNING"]
    assert LocalStateStore(tmp_path).run_ids() == [run_id], "a new store object (a restarted server) sees the run"


def test_only_one_of_many_racing_executors_takes_a_queued_run(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path)
    run_id = new_run_id()
    store.create(run_id, {})
    store.move(run_id, State.QUEUED)
    wins = race(8, lambda: LocalStateStore(tmp_path).move(run_id, State.INITIALIZING,
                                                            only_from=frozenset({State.QUEUED})))
    assert wins == [False] * 7 + [True]


def test_run_ids_are_checked_before_touching_the_disk(tmp_path: Path) -> None:
    store = LocalStateStore(tmp_path / "store")
    assert not store.exists("../../etc")
    with pytest.raises(KeyError):
        store.read("../x", "state")


@given(st.lists(st.sampled_from(["a", "b", ".", "/", "..", "\\", "\x00", " "]), max_size=20).map("".join))
def test_accepted_attachment_names_stay_inside(name: str) -> None:
    try:
        safe = safe_relative_name(name)
    except RequestError:
        return
    assert not safe.startswith("/") and ".." not in safe.split("/")
    assert posixpath.normpath(posixpath.join("/run", safe)).startswith("/run/")


@pytest.mark.parametrize("name", ["../a", "/etc/passwd", "a/../../b", "", "a\\b", "..", "./..", "a\x00b"])
def test_bad_attachment_names(name: str) -> None:
    with pytest.raises(RequestError, match="attachment name"):
        safe_relative_name(name)


def test_engine_and_python_arguments() -> None:
    assert engine_arguments({"--logLevel": "DEBUG", "stats": True, "caching": False, "--maxCores": 2}) == \
        ["--logLevel=DEBUG", "--stats", "--maxCores=2"]
    with pytest.raises(RequestError, match="not allowed"):
        engine_arguments({"--outdir": "/etc"})
    assert engine_arguments({"--workDir": "/scratch"}, trusted=True) == ["--workDir=/scratch"]
    assert python_arguments({"input": "in.txt", "n": 3, "flag": True, "off": False, "many": ["a", "b"]}) == \
        ["--input", "in.txt", "--n", "3", "--flag", "--many", "a", "--many", "b"]


def test_versions_are_matched_leniently() -> None:
    form = {"workflow_url": "w", "workflow_type": "cwl", "workflow_type_version": "1.2"}
    files = [("w", io.BytesIO(b""))]
    assert parse_run_request(form, files, allow_local_files=False).workflow_type_version == "v1.2"
    form.update(workflow_type="PY", workflow_type_version="3.8")
    assert parse_run_request(form, files, allow_local_files=False).workflow_type == "py"
