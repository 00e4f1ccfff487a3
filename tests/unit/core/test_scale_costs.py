"""Cost per job stays flat as a workflow grows (issue 21): operations are counted, never timed.

The leader runs on the ``memory:`` store, which counts every call, and the ``inline`` batch
system (tests/unit/core/leader_harness.py). A cost that grows with N (a quadratic, a store
listed or read again per job, every done job kept in memory) shows as a count per job that
grows between the small and the large run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit.core.leader_harness import Run, run_workflow
from toil.cli import status
from toil.common import Toil
from toil.core import check
from toil.core.state import Validation
from toil.job import Job
from toil.stores.file import FileJobStore

SMALL = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def index(i: int) -> int:
    return i


def total(values: list[int]) -> int:
    return sum(values)


def fan(job: Job, n: int) -> Any:
    promises = [job.addChildFn(index, i, **SMALL).rv() for i in range(n)]
    return job.addFollowOnFn(total, promises, **SMALL).rv()


def link(job: Job, i: int, n: int) -> Any:
    return i if i >= n else job.addChildJobFn(link, i + 1, n, **SMALL).rv()


def split(job: Job, lo: int, hi: int) -> Any:
    if hi - lo <= 1:
        return lo
    mid = (lo + hi) // 2
    halves = [job.addChildJobFn(split, lo, mid, **SMALL).rv(), job.addChildJobFn(split, mid, hi, **SMALL).rv()]
    return job.addFollowOnFn(total, halves, **SMALL).rv()


SHAPES = {  # name -> (root of about n jobs, its value, number of jobs)
    "fanout": lambda n: (Job.wrapJobFn(fan, n, **SMALL), n * (n - 1) // 2, n + 2),
    "chain": lambda n: (Job.wrapJobFn(link, 1, n, **SMALL), n, n),
    "tree": lambda n: (Job.wrapJobFn(split, 0, n // 3, **SMALL), (n // 3) * (n // 3 - 1) // 2, 3 * (n // 3) - 2),
}


def run_shape(tmp_path: Path, shape: str, n: int) -> tuple[Run, int]:
    root, value, jobs = SHAPES[shape](n)
    # No chaining: every job goes through the leader, one commit each.
    run = run_workflow(tmp_path / f"{shape}-{n}", root, validation=Validation.OFF, disable_chaining=True)
    assert run.result.success and run.value() == value
    assert run.leader.state.counts()["done"] == jobs
    return run, jobs


def per_job(run: Run, jobs: int) -> float:
    return sum(run.store.operations.values()) / jobs


def test_store_operations_per_job_stay_flat_for_every_shape(tmp_path: Path) -> None:
    """Every store call (reads, writes, listings, deletes) per committed job: the same at 30 and 300 jobs.

    The per-workflow part (settings, the root) spreads over more jobs at 300, so the large run
    may only cost less; a listing or a read per job of the whole store would add about N per job.
    """
    for shape in SHAPES:
        small, large = (per_job(*run_shape(tmp_path, shape, n)) for n in (30, 300))
        assert large <= small * 1.05, f"{shape}: {small:.2f} store operations per job at 30, {large:.2f} at 300"


def test_the_leader_forgets_done_jobs(tmp_path: Path) -> None:
    """Leader memory follows the frontier: once the workflow ends only the root's node is left."""
    for shape in SHAPES:
        run, jobs = run_shape(tmp_path, shape, 90)
        state = run.leader.state
        assert list(state.nodes) == [run.root_id], f"{shape}: {len(state.nodes)} nodes kept"
        assert state.released == jobs - 1
        assert state.story(run.root_id)  # the root, still known, has its story


def test_status_reads_each_record_once(tmp_path: Path) -> None:
    """`toil status` reads every job record once and lists each namespace at most once: no per-job lookups."""
    reads = []
    for n in (20, 200):
        run, jobs = run_shape(tmp_path, "fanout", n)
        before = run.store.operations.copy()
        report = status.inspect(run.store)
        assert report.state is status.WorkflowState.COMPLETED and report.completed == jobs
        used = run.store.operations - before
        reads.append(used["get"] - jobs)
        assert used["keys"] <= 2 and used["has"] <= 1, dict(used)
    assert reads[0] == reads[1], f"reads beyond one per record: {reads}"


def once_then_fine(job: Job, marker: str) -> int:
    """Adds a child, then fails its first attempt: that attempt leaves the child's record behind."""
    job.addChildFn(index, 1, **SMALL)
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once\n")
        raise RuntimeError("the first attempt fails")
    return 7


def test_records_left_by_a_failed_attempt_are_removed_after_success(tmp_path: Path) -> None:
    """The leader forgets done jobs, yet still tells the live records from an attempt's leftovers."""
    options = Job.Runner.getDefaultOptions(f"file:{tmp_path / 'store'}")
    options.clean, options.retryCount = "never", 1
    with Toil(options) as toil:
        assert toil.start(Job.wrapJobFn(once_then_fine, str(tmp_path / "marker"), **SMALL)) == 7
    store = FileJobStore(f"file:{tmp_path / 'store'}", str(tmp_path / "store"))
    store.resume()
    report = check.check_store(store)
    assert not report.errors and report.unreachable_count == 0, (report.errors, report.unreachable)
    assert report.reachable == 2


class Compared(Job):
    """A job that counts how often it is compared with another (list membership does that)."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        Compared.comparisons += 1
        return self is other

    __hash__ = Job.__hash__

    def run(self, fileStore: Any) -> None:
        return None


def test_adding_n_children_compares_none_of_them() -> None:
    """addChild once checked `child in children`: N children cost N**2 / 2 comparisons (minutes at 100,000)."""
    parent = Compared()
    children = [Compared() for _ in range(300)]
    Compared.comparisons = 0
    for child in children:
        parent.addChild(child)
        parent.addFollowOn(child)
    parent.addChild(children[0])  # a second time: still once
    assert Compared.comparisons == 0
    assert parent._toil_children == children and parent._toil_follow_ons == children
