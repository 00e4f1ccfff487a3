"""Deferred functions and the last-process-standing arena, with real processes and real locks."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from toil.core import deferred


def append(path: str, text: str) -> None:
    with open(path, "a") as handle:
        handle.write(text + "\n")


def explode() -> None:
    raise RuntimeError("deferred boom")


def in_child(body: Callable[[], None], kill: bool = False) -> int:
    """Run body in a forked child (SIGKILLed at the end when kill); return its wait status."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            body()
            if kill:
                os.kill(os.getpid(), signal.SIGKILL)
        except BaseException:  # noqa: BLE001 - report through the exit code
            code = 1
        os._exit(code)
    return os.waitpid(pid, 0)[1]


@pytest.fixture
def root(tmp_path: Path) -> str:
    return str(tmp_path / "toil-wf")


def test_run_in_registration_order_and_failures_are_logged(
    root: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    record = str(tmp_path / "record")
    functions = deferred.DeferredFunctions(root)
    functions.register(append, record, "first")
    functions.register(explode)
    functions.register(append, record, text="third")
    with caplog.at_level(logging.ERROR):
        functions.run()
    assert Path(record).read_text().split() == ["first", "third"]
    assert "deferred boom" in caplog.text
    functions.run()  # already run: nothing again
    assert Path(record).read_text().split() == ["first", "third"]
    # The pending file is kept (empty) for this process's later jobs, and goes at the end.
    assert deferred.run_orphans(root) == 0
    deferred.close_pending(root)
    assert os.listdir(os.path.join(root, deferred.DEFERRED_DIR)) == []


def test_nothing_is_written_until_a_function_is_registered(root: str) -> None:
    deferred.DeferredFunctions(root).run()
    assert not os.path.exists(root)


def test_a_killed_process_leaves_orphans_that_the_next_one_runs_once(root: str, tmp_path: Path) -> None:
    marker = str(tmp_path / "marker")

    def register_then_die() -> None:
        functions = deferred.DeferredFunctions(root)
        functions.register(append, marker, "one")
        functions.register(append, marker, "two")

    status = in_child(register_then_die, kill=True)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert not os.path.exists(marker)
    assert deferred.run_orphans(root) == 1
    assert Path(marker).read_text().split() == ["one", "two"]
    assert deferred.run_orphans(root) == 0  # taken and removed: never run twice
    assert Path(marker).read_text().split() == ["one", "two"]


def test_a_live_process_keeps_its_deferred_functions(root: str, tmp_path: Path) -> None:
    marker = str(tmp_path / "marker")
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        deferred.DeferredFunctions(root).register(append, marker, "live")
        os.write(ready_w, b"x")
        os.read(go_r, 1)
        os._exit(0)
    os.read(ready_r, 1)
    try:
        assert deferred.run_orphans(root) == 0  # its owner holds the lock
        assert not os.path.exists(marker)
    finally:
        os.write(go_w, b"x")
        os.waitpid(pid, 0)
    for fd in (ready_r, ready_w, go_r, go_w):
        os.close(fd)


def test_a_truncated_record_is_ignored() -> None:
    whole = deferred.encode_call(append, ("a", "b"), {})
    calls = deferred.decode_calls(whole + whole[:-3])
    assert len(calls) == 1 and calls[0][0] is append


# -- the arena ------------------------------------------------------------------------------
def test_the_last_member_to_leave_cleans_up(root: str) -> None:
    cleaned: list[str] = []
    deferred.join(root)
    deferred.join(root)  # joining twice is one membership
    # Another member joins and leaves while we are here: not the last, no cleanup.
    assert in_child(lambda: _leave_expecting(root, last=False)) == 0
    assert deferred.leave(root, cleaned.append) is True
    assert cleaned == [root]
    assert deferred.leave(root, cleaned.append) is False  # no longer a member


def _leave_expecting(root: str, last: bool) -> None:
    deferred.join(root)
    if deferred.leave(root, lambda _: None) is not last:
        raise AssertionError("wrong last-member decision")


def test_a_member_that_dies_without_leaving_does_not_count(root: str, tmp_path: Path) -> None:
    marker = str(tmp_path / "orphan-ran")

    def join_register_and_die() -> None:
        deferred.join(root)
        deferred.DeferredFunctions(root).register(append, marker, "orphan")

    deferred.join(root)
    status = in_child(join_register_and_die, kill=True)
    assert os.WIFSIGNALED(status)
    assert deferred.leave(root, deferred.clean_node) is True
    assert Path(marker).read_text() == "orphan\n"  # node cleanup ran the dead worker's orphans
    assert not os.path.exists(root)


def test_members_leaving_together_clean_up_once(root: str, tmp_path: Path) -> None:
    count = 8
    go_r, go_w = os.pipe()
    ready_r, ready_w = os.pipe()
    pids = []
    for index in range(count):
        pid = os.fork()
        if pid == 0:
            deferred.join(root)
            os.write(ready_w, b"x")
            os.read(go_r, 1)
            last = deferred.leave(root, lambda _, marker=tmp_path / f"cleaned-{index}": marker.touch())
            os._exit(0 if last in (True, False) else 1)
        pids.append(pid)
    for _ in range(count):
        os.read(ready_r, 1)
    os.write(go_w, b"x" * count)
    assert all(os.waitpid(pid, 0)[1] == 0 for pid in pids)
    assert len(list(tmp_path.glob("cleaned-*"))) == 1
    for fd in (go_r, go_w, ready_r, ready_w):
        os.close(fd)


def test_a_forked_child_does_not_keep_its_parents_membership(root: str) -> None:
    deferred.join(root)
    # The child inherits our descriptors but drops them at fork: it joins on its own and, with
    # us still a member, is not last. After it exits our lock must still hold.
    assert in_child(lambda: _leave_expecting(root, last=False)) == 0
    assert in_child(lambda: _leave_expecting(root, last=False)) == 0
    assert deferred.leave(root, deferred.clean_node) is True
    assert not os.path.exists(root)


def test_a_new_member_after_cleanup_starts_a_fresh_arena(root: str) -> None:
    with deferred.membership(root):
        assert os.path.isfile(os.path.join(root, deferred.ARENA_FILE))
    assert not os.path.exists(root)
    with deferred.membership(root):
        assert os.listdir(root) == [deferred.ARENA_FILE]
    assert not os.path.exists(root)


def test_a_process_joining_during_cleanup_waits_and_joins_a_fresh_arena(root: str) -> None:
    joiner: list[int] = []

    def cleanup(path: str) -> None:
        pid = os.fork()
        if pid == 0:  # blocks on the cleaner's exclusive lock, then finds the arena removed
            deferred.join(path)
            os._exit(0 if os.path.isfile(os.path.join(path, deferred.ARENA_FILE)) else 1)
        joiner.append(pid)
        time.sleep(0.2)
        shutil.rmtree(path)

    deferred.join(root)
    assert deferred.leave(root, cleanup) is True
    assert os.waitpid(joiner[0], 0)[1] == 0
    assert os.path.isfile(os.path.join(root, deferred.ARENA_FILE))
