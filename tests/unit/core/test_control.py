"""The leader's presence in its store, and the kill flag that stops it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toil.core import control
from toil.stores.file import FileJobStore


@pytest.fixture()
def store(tmp_path: Path) -> FileJobStore:
    store = FileJobStore("file:s", str(tmp_path / "s"))
    store.create()
    return store


def test_pid_alive() -> None:
    assert control.pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while control.pid_alive(child.pid) and time.monotonic() < deadline:  # a zombie is not alive
        time.sleep(0.01)
    assert not control.pid_alive(child.pid)
    child.wait()
    assert not control.pid_alive(child.pid)


def test_presence_is_published_and_removed(store: FileJobStore) -> None:
    assert control.leader_running(store) is None
    with control.leader_presence(store, 10.0):
        info = control.leader_running(store)
        assert info is not None and info.pid == os.getpid() and info.is_local()
    assert control.read_leader(store) is None


def test_a_dead_local_leader_is_not_running(store: FileJobStore) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    store.put("shared", control.LEADER_KEY, f'{{"pid": {child.pid}, "host": "{os.uname().nodename}", '
                                            f'"started": 0}}'.encode())
    assert control.read_leader(store) is not None
    assert control.leader_running(store) is None
    assert control.request_kill(store) is None
    assert not store.has("shared", control.KILL_KEY)


def test_kill_flag_raises_in_the_leader(store: FileJobStore) -> None:
    store.put("shared", control.KILL_KEY, b"{}")  # stale: cleared when a leader starts
    with control.leader_presence(store, 0.05):
        time.sleep(0.3)
        with pytest.raises(control.WorkflowKilledError, match="was killed"):
            # the watcher may signal at once: set the flag inside the block that expects it
            store.put("shared", control.KILL_KEY, b"{}")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.01)
    assert control.read_leader(store) is None
