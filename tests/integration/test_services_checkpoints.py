"""Services, deadlock detection, checkpoints and encapsulation, run as user scripts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.integration.support import EXAMPLES, json_result, result_of, run_script

pytestmark = pytest.mark.integration

SCRIPT = "services_and_checkpoints.py"


def events(log: Path) -> list[str]:
    return [line.split(" ", 1)[1] for line in log.read_text().splitlines()]


def scenario(tmp_path: Path, name: str, *options: object, timeout: float = 60) -> tuple[object, list[str]]:
    log = tmp_path / "events.log"
    proc = run_script(SCRIPT, tmp_path / "store", "--scenario", name, "--log", log, *options, cwd=tmp_path,
                      timeout=timeout)
    return json_result(proc), events(log)


def test_a_child_talks_to_a_service_over_a_socket(tmp_path: Path) -> None:
    value, log = scenario(tmp_path, "services")
    assert value == ["pong:m0", "pong:m1", "pong:m2"]
    assert log[0].startswith("start echo") and log[-1] == "stop echo"
    assert sorted(log[1:-1]) == ["ping pong:m0", "ping pong:m1", "ping pong:m2"]


def test_a_service_in_the_graph_before_start(tmp_path: Path) -> None:
    value, log = scenario(tmp_path, "static_services")
    assert value is None
    assert [entry.split(" pid")[0] for entry in log] == ["start echo", "ping pong:static", "stop echo"]


def test_a_child_service_starts_after_its_parent_and_stops_first(tmp_path: Path) -> None:
    value, log = scenario(tmp_path, "child_services")
    assert value == ["child"]
    assert log[0].startswith("start parent")
    assert log[1] == "start child after=parent"
    assert log[2:] == ["stop child", "stop parent"]


def test_max_service_jobs_keeps_services_apart(tmp_path: Path) -> None:
    _, log = scenario(tmp_path, "limited_services", "--maxServiceJobs", 1)
    starts_and_stops = [entry.split(" pid")[0] for entry in log if not entry.startswith("ping")]
    assert starts_and_stops in (["start one", "stop one", "start two", "stop two"],
                                ["start two", "stop two", "start one", "stop one"])


def test_deadlock_is_detected_within_the_wait_and_names_the_service(tmp_path: Path) -> None:
    began = time.monotonic()
    proc = run_script(SCRIPT, tmp_path / "store", "--scenario", "deadlock", "--log", tmp_path / "log",
                      "--maxCores", 1, "--deadlockWait", 2, "--deadlockCheckInterval", 0.5, cwd=tmp_path)
    elapsed = time.monotonic() - began
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("toil: error: Deadlock") and "EchoService" in last
    assert "Traceback" not in proc.stderr
    assert elapsed < 20, f"deadlock took {elapsed:.1f} s to report"


def test_a_checkpoint_reruns_when_its_child_fails(tmp_path: Path) -> None:
    value, log = scenario(tmp_path, "checkpoint", "--retryCount", 1)
    assert value == "child-ok"
    # the child used up its tries (2), the checkpoint ran again, and the new child passed
    assert log == ["checkpoint", "flaky", "flaky", "checkpoint", "flaky"]


def test_without_tries_a_checkpoint_does_not_rerun(tmp_path: Path) -> None:
    log = tmp_path / "events.log"
    proc = run_script(SCRIPT, tmp_path / "store", "--scenario", "checkpoint", "--log", log, "--retryCount", 0,
                      cwd=tmp_path)
    assert proc.returncode != 0
    assert events(log) == ["checkpoint", "flaky"]


def test_encapsulated_successors_wait_for_the_whole_subgraph(tmp_path: Path) -> None:
    value, log = scenario(tmp_path, "encapsulation")
    assert value == "a-value"
    assert log[0] == "a" and log[-1] == "b"
    assert sorted(log[1:-1]) == ["a-child-0", "a-child-1", "a-child-2"]


@pytest.mark.parametrize("example", ["services.py", "encapsulation.py", "staging.py", "checkpoints.py"])
def test_documentation_style_examples_run(tmp_path: Path, example: str) -> None:
    (tmp_path / "in.txt").write_text("shout\n")
    extra = {"staging.py": ["--input", "in.txt", "--output", "out.txt"], "checkpoints.py": ["--retryCount", 1]}
    proc = run_script(EXAMPLES / example, tmp_path / "store", *extra.get(example, []), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    if example == "checkpoints.py":
        assert proc.stdout.strip() == "succeeded after 2 checkpoint runs"
    if example == "staging.py":
        assert (tmp_path / "out.txt").read_text() == "SHOUT\n"
    if example == "encapsulation.py":
        assert proc.stdout.split()[0] == "a" and proc.stdout.split()[-1] == "b"
    assert not (tmp_path / "store").exists(), "the default --clean=onSuccess keeps nothing"


def test_result_helper_is_strict(tmp_path: Path) -> None:
    proc = run_script(SCRIPT, tmp_path / "store", "--scenario", "nope", "--log", tmp_path / "l", cwd=tmp_path)
    with pytest.raises(AssertionError):
        result_of(proc)
