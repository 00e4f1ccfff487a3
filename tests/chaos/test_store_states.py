"""A second leader on a running workflow, and ``--restart`` on finished, failed and never-started stores.

None of these may delete or damage anything: a second leader is refused with one clear line
while the first finishes undisturbed; ``--restart`` of a finished workflow runs nothing and
delivers the outputs again; of a failed one it retries the failed jobs (failing again, clearly,
while the cause remains, and finishing once it is fixed); of a store whose workflow never
started it says so and leaves the store as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.chaos import harness
from tests.chaos.harness import FLAVOURS, Baseline, Case, Kill

pytestmark = [pytest.mark.chaos, pytest.mark.integration, pytest.mark.slow]


def files_of(directory: Path) -> dict[str, str]:
    """Every file's digest; the empty lock file a leader creates to take its lock does not count."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file() and p.name != ".leader.lock"}


def one_error_line(case: Case, *needles: str) -> str:
    # A failed job's log is quoted tab-indented: it is the job's, not the leader's.
    lines = [line for line in case.log.read_text().splitlines() if not line.startswith(("====", "[", "\t"))]
    assert "Traceback" not in "\n".join(lines), case.log_tail()
    errors = [line for line in lines if ": error: " in line]
    assert errors, case.log_tail()
    for needle in needles:
        assert needle in errors[-1], f"{needle!r} not in {errors[-1]!r}"
    return errors[-1]


@pytest.mark.parametrize("name", sorted(FLAVOURS))
def test_second_leader_is_refused(name: str, tmp_path: Path, baselines: dict[str, Baseline]) -> None:
    case = Case(FLAVOURS[name], tmp_path)
    hold = Path(f"{case.effects}.hold")
    hold.touch()  # the jobs wait until it is gone
    first = case.launch()
    assert harness.wait_until(case, first, lambda: case.effect_count() >= 1), "the first leader ended early"
    for restart, needle in ((True, "in use by another leader"), (False, "already exists")):
        second = case.launch(restart=restart)
        assert case.finish(second) != 0
        one_error_line(case, needle)
        assert first.poll() is None, "the first leader ended while the second was refused"
    hold.unlink()
    assert case.finish(first) == 0, case.log_tail()
    harness.check_outcome(case, baselines[name])


@pytest.mark.parametrize("name", sorted(FLAVOURS))
def test_restart_of_a_finished_workflow(name: str, tmp_path: Path, baselines: dict[str, Baseline]) -> None:
    case = Case(FLAVOURS[name], tmp_path)
    assert case.finish(case.launch()) == 0, case.log_tail()
    records = files_of(case.store / "jobs")
    before = set(files_of(case.store))
    lines = case.effect_count()
    for output in case.out.iterdir():
        output.unlink()
    assert case.finish(case.launch(restart=True)) == 0, case.log_tail()
    assert case.effect_count() == lines, "a finished workflow ran jobs again"
    assert files_of(case.store / "jobs") == records
    assert before <= set(files_of(case.store)), "the restart deleted files of the store"
    harness.check_outcome(case, baselines[name])


@pytest.mark.parametrize("name", sorted(FLAVOURS))
def test_restart_of_a_never_started_store(name: str, tmp_path: Path) -> None:
    case = Case(FLAVOURS[name], tmp_path)
    harness.plugins.open_job_store(f"file:{case.store}").create()  # what a leader does first
    before = files_of(case.store)
    assert case.finish(case.launch(restart=True)) != 0
    one_error_line(case, "never started")
    assert files_of(case.store) == before


def test_restart_of_a_failed_workflow(tmp_path: Path, baselines: dict[str, Baseline]) -> None:
    case = Case(FLAVOURS["python"], tmp_path, extra=["--fail-while", str(tmp_path / "broken")])
    (tmp_path / "broken").touch()
    for restart in (False, True):
        assert case.finish(case.launch(restart=restart)) != 0
        one_error_line(case, "b1.l2", "fails while")
        harness.check_consistent(case.store, finished=False)
        case.kills.append(Kill("failed", harness.committed_jobs(case.store), case.effect_count(), None))
    (tmp_path / "broken").unlink()
    harness.restart_until_done(case)
    harness.check_outcome(case, baselines["python"])
