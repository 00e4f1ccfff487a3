"""The leader on its own: real Leader, real workers, on the in-memory store and the inline batch system.

No test here forks a process, touches the disk or sleeps: see tests/unit/core/leader_harness.py.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.unit.core.leader_harness import run_workflow, start_store
from toil.batch.inline import InlineBatchSystem
from toil.core.batchsystem import BatchSystemSettings
from toil.core.description import JobDescription
from toil.core.job import Job, PermanentJobFailure, Service
from toil.core.leader import Leader
from toil.core.state import Status, Validation, backoff_delay, validation_for

SMALL = {"cores": 0.1, "memory": "10M", "disk": "1M"}


# -- job bodies (module level: bodies are pickled by reference) -------------------------------
def index(i: int) -> int:
    return i


def total(values: list[int]) -> int:
    return sum(values)


def fan(job: Job, n: int) -> Any:
    promises = [job.addChildFn(index, i, **SMALL).rv() for i in range(n)]
    return job.addFollowOnFn(total, promises, **SMALL).rv()


def step(job: Job, depth: int, trail: str) -> Any:
    """A chain: each step adds one child (its sole successor) and returns the child's value."""
    if depth == 0:
        return trail
    return job.addChildJobFn(step, depth - 1, trail + str(depth), **SMALL).rv()


def flaky(job: Job, key: str) -> str:
    """Fail on the first attempt, succeed on the next (the mark survives the failed attempt)."""
    store = job.fileStore.jobStore
    if not store.has("shared", key):
        store.put("shared", key, b"tried")
        raise RuntimeError(f"first attempt of {key} fails")
    return f"{key} succeeded"


def doomed(message: str) -> None:
    raise PermanentJobFailure(message)


def broken(message: str) -> None:
    raise RuntimeError(message)


def where(job: Job, value: int) -> tuple[int, str]:
    return value, type(job.fileStore).__name__


class Greeter(Service):
    def start(self, job: Any) -> str:
        return "hello from the service"

    def stop(self, job: Any) -> None:
        pass


def statuses(run_story: list[Any]) -> list[Status]:
    return [status for line in run_story for status in line.statuses]


# -- workflows -----------------------------------------------------------------------------------
def test_fan_out_with_a_follow_on_gathering_promises(tmp_path: Path) -> None:
    root = Job.wrapJobFn(fan, 25, **SMALL)
    run = run_workflow(tmp_path, root)
    assert run.result.success and run.result.failed == []
    assert run.value() == sum(range(25))
    assert len(run.issued) == 27  # the root, 25 children, the follow-on: nothing chained
    assert run.issued[0] == root.jobStoreID
    assert run.leader.state.counts()["done"] == 27
    assert not run.work_dir.exists()  # no job touched the disk


def test_a_chain_runs_in_one_worker(tmp_path: Path) -> None:
    root = Job.wrapJobFn(step, 4, ">", **SMALL)
    run = run_workflow(tmp_path, root)
    assert run.result.success and run.value() == ">4321"
    assert run.issued == [root.jobStoreID]  # its four successors ran chained, in the same worker
    counts = run.leader.state.counts()
    assert (counts["done"], counts["waiting"]) == (5, 0)


def test_a_chain_without_chaining_issues_every_step(tmp_path: Path) -> None:
    root = Job.wrapJobFn(step, 4, ">", **SMALL)
    run = run_workflow(tmp_path, root, disable_chaining=True)
    assert run.result.success and run.value() == ">4321"
    assert len(run.issued) == 5


def test_a_failing_job_is_retried_and_its_story_says_why(tmp_path: Path) -> None:
    root = Job(**SMALL)
    child = root.addChildJobFn(flaky, "once", **SMALL)
    root.addChildFn(index, 1, **SMALL)  # two children: neither is chained into the root's worker
    run = run_workflow(tmp_path, root, retry_count=1)
    assert run.result.success
    assert run.issued.count(child.jobStoreID) == 2
    assert run.clock.now >= backoff_delay(1)  # it waited out its back-off (on the fake clock)
    story = run.leader.state.story(child.jobStoreID)
    assert statuses(story) == [Status.WAITING, Status.ISSUED, Status.RETRY, Status.ISSUED, Status.RAN, Status.DONE]
    kinds = [(line.kind, line.about) for line in story]
    assert kinds == [
        ("Start", root.jobStoreID),  # the workflow started: the child was known, waiting
        ("JobCommitted", root.jobStoreID),  # the root committed: the child was issued
        ("JobFailed", child.jobStoreID),
        ("Tick", ""),  # its back-off ended: issued again
        ("JobCommitted", child.jobStoreID),
    ]
    assert "RuntimeError: first attempt of once fails" in story[2].detail
    assert [kind for kind, _ in story[1].instructions] == ["IssueJob"]
    assert [kind for kind, _ in story[3].instructions] == ["IssueJob"]
    text = run.leader.state.story_text(child.jobStoreID)
    assert "JobFailed" in text and "-> retry" in text and "IssueJob" in text


def test_a_permanent_failure_is_not_retried(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = Job(**SMALL)
    bad = root.addChildFn(doomed, "the tool said permanentFail", **SMALL)
    follow = root.addFollowOnFn(index, 1, **SMALL)
    caplog.set_level(logging.DEBUG, logger="toil.core.leader")
    run = run_workflow(tmp_path, root, retry_count=3)
    assert f"Story of job {bad.jobStoreID}:" in caplog.text  # under --logDebug the leader tells it
    assert not run.result.success
    assert run.issued.count(bad.jobStoreID) == 1
    assert "PermanentJobFailure: the tool said permanentFail" in run.failure_reasons()[bad.jobStoreID]
    assert follow.jobStoreID not in run.issued
    assert run.result.stuck == 1  # the follow-on waits for ever on the failed subtree
    story = run.leader.state.story(bad.jobStoreID)
    assert statuses(story)[-1] is Status.FAILED and Status.RETRY not in statuses(story)
    assert story[-1].detail.endswith("(permanent)")
    assert [kind for kind, _ in story[-1].instructions] == ["JobGaveUp"]


def test_retries_run_out(tmp_path: Path) -> None:
    root = Job(**SMALL)
    bad = root.addChildFn(broken, "always", **SMALL)
    root.addChildFn(index, 1, **SMALL)  # so that bad is not chained into the root's worker
    run = run_workflow(tmp_path, root, retry_count=2)
    assert not run.result.success
    assert run.issued.count(bad.jobStoreID) == 3
    assert statuses(run.leader.state.story(bad.jobStoreID)).count(Status.RETRY) == 2


def two_grandchildren(job: Job) -> None:
    job.addChildFn(index, 1, **SMALL)
    job.addChildFn(index, 2, **SMALL)


@pytest.mark.parametrize("stop_on_failure", [True, False])
def test_stop_on_first_failure_starts_nothing_new(tmp_path: Path, stop_on_failure: bool) -> None:
    root = Job(**SMALL)
    bad = root.addChildFn(doomed, "fails first", **SMALL)
    good = root.addChildJobFn(two_grandchildren, **SMALL)  # issued with bad, so it runs either way
    run = run_workflow(tmp_path, root, stop_on_failure=stop_on_failure)
    assert not run.result.success
    assert [f.job_id for f in run.result.failed] == [bad.jobStoreID]
    assert run.record(good).ran
    grandchildren = run.record(good).successors
    issued_grandchildren = [job_id for job_id in grandchildren if job_id in run.issued]
    assert issued_grandchildren == ([] if stop_on_failure else grandchildren)


def test_a_local_job_runs_in_the_leader(tmp_path: Path) -> None:
    root = Job(**SMALL)
    local = root.addChildJobFn(where, 7, local=True, **SMALL)
    remote = root.addFollowOnJobFn(where, 8, **SMALL)
    run = run_workflow(tmp_path, root)
    assert run.result.success
    assert local.jobStoreID not in run.issued and remote.jobStoreID in run.issued
    assert run.record(local).ran
    story = run.leader.state.story(local.jobStoreID)
    assert any(kind == "RunLocal" for line in story for kind, _ in line.instructions)


def test_a_chained_successor_that_fails_is_retried_on_its_own(tmp_path: Path) -> None:
    root = Job.wrapFn(index, 0, **SMALL)
    child = root.addChildJobFn(flaky, "chained", **SMALL)  # root's sole successor: chained
    run = run_workflow(tmp_path, root, retry_count=1)
    assert run.result.success
    assert run.issued == [root.jobStoreID, child.jobStoreID]  # the chained attempt used one try
    story = run.leader.state.story(child.jobStoreID)
    assert [(line.kind, line.about) for line in story[:2]] == [("Start", root.jobStoreID),
                                                              ("JobCommitted", root.jobStoreID)]
    assert "chained job" in story[1].detail and "first attempt of chained fails" in story[1].detail
    assert statuses(story) == [Status.WAITING, Status.RETRY, Status.ISSUED, Status.RAN, Status.DONE]


def read_service(value: str) -> str:
    return value.upper()


def test_a_service_serves_its_hosts_children(tmp_path: Path) -> None:
    root = Job(**SMALL)
    greeting = root.addService(Greeter(**SMALL))
    child = root.addChildFn(read_service, greeting, **SMALL)
    run = run_workflow(tmp_path, root, real_time=True)  # the service lives in a thread, polling
    assert run.result.success
    assert run.record(child).ran
    service_id = run.record(root).service_ids[0]
    assert service_id not in run.leader.state.nodes, "a done service is dropped, as every done job"
    kinds = [line.kind for line in run.leader.state.story(service_id)]
    assert "ServiceStarted" in kinds and kinds[-1] == "JobCommitted"
    stopped = [line for line in run.leader.state.story(service_id) if ("StopServices", service_id) in line.instructions]
    assert len(stopped) == 1


def test_the_leader_validates_its_state_under_debug_logging(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store, settings = start_store(tmp_path, Job(**SMALL))
    batch = InlineBatchSystem(BatchSystemSettings(None, None, None, work_dir=settings.work_dir))
    caplog.set_level(logging.DEBUG, logger="toil.core.leader")
    leader = Leader(store, settings, batch, store.locator)
    assert leader.state.validation is validation_for(os.environ, debug=True)
    assert leader.state.validation is not Validation.OFF


def test_validation_is_chosen_from_the_environment_and_log_level() -> None:
    assert validation_for({}, debug=False) is Validation.OFF
    assert validation_for({}, debug=True) is Validation.SAMPLED
    assert validation_for({"TOIL_VALIDATE_STATE": "1"}, debug=False) is Validation.EVERY_EVENT
    assert validation_for({"TOIL_VALIDATE_STATE": "0"}, debug=False) is Validation.OFF


# -- cost: count operations, never time ---------------------------------------------------------
@contextmanager
def successor_lists_built() -> Iterator[list[int]]:
    """Count the elements of every list JobDescription.successors builds (seen through sys.setprofile)."""
    code = JobDescription.successors.fget.__code__  # type: ignore[attr-defined]
    built = [0]

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code is code:
            built[0] += len(arg)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield built
    finally:
        sys.setprofile(previous)


def cost_per_job(tmp_path: Path, n: int) -> tuple[float, float]:
    """(store reads, successor-list elements built) per committed job of a fan-out of n children."""
    root = Job.wrapJobFn(fan, n, **SMALL)
    with successor_lists_built() as built:
        run = run_workflow(tmp_path / str(n), root, validation=Validation.OFF)  # validation is O(jobs) per event
    assert run.result.success and run.value() == sum(range(n))
    jobs = run.leader.state.counts()["done"]
    assert jobs == n + 2
    return run.store.operations["get"] / jobs, built[0] / jobs


def noop(job: Job) -> None:
    return None


def local_fan(job: Job, n: int) -> None:
    for _ in range(n):
        job.addChildJobFn(noop, local=True, **SMALL)


def test_local_jobs_cost_the_leader_no_store_reads(tmp_path: Path) -> None:
    """A job run in the leader hands back its commit: nothing is read again, its body neither.

    The leader once re-read a local job's body, then its committed record and every successor's
    (2 + k reads a job). Reads now do not depend on how many local jobs run.
    """
    reads = []
    for n in (5, 50):
        run = run_workflow(tmp_path / str(n), Job.wrapJobFn(local_fan, n, local=True, **SMALL),
                           validation=Validation.OFF)
        assert run.result.success and run.leader.state.counts()["done"] == n + 1 and not run.issued
        reads.append(run.store.operations["get"])
    assert reads[0] == reads[1], f"store reads: {reads[0]} with 5 local jobs, {reads[1]} with 50"


def test_a_batch_jobs_commit_reaches_the_leader_as_its_outcome(tmp_path: Path) -> None:
    """The worker's outcome comes back with the update: the leader reads no record of a batch job.

    Each more child costs three reads, none of them the leader's: its worker reads its record,
    the inline double reads it too (is it a service?), the follow-on reads its value. A leader
    reading the committed record back, as it once did, makes it four.
    """
    reads = []
    for n in (5, 50):
        run = run_workflow(tmp_path / str(n), Job.wrapJobFn(fan, n, **SMALL), validation=Validation.OFF)
        assert run.result.success and run.value() == sum(range(n))
        reads.append(run.store.operations["get"])
    assert reads[1] - reads[0] == 3 * 45, reads


def test_work_per_job_stays_constant_as_a_fan_out_grows(tmp_path: Path) -> None:
    """Reads and list-building per committed job must not grow with the number of children.

    A leader that rebuilt the parent's successor list once per successor (a quadratic, as
    ``Leader._successor_records`` once did) builds about N elements per job at N children.
    The per-workflow part of the cost spreads over more jobs at N=1000, so the bound allows
    a quarter more, far below what anything growing with N would add.
    """
    reads_10, built_10 = cost_per_job(tmp_path, 10)
    reads_1000, built_1000 = cost_per_job(tmp_path, 1000)
    print(f"store reads per job: {reads_10:.2f} at N=10, {reads_1000:.2f} at N=1000; "
          f"successor-list elements per job: {built_10:.2f} at N=10, {built_1000:.2f} at N=1000")
    assert reads_1000 <= reads_10 * 1.25
    assert built_1000 <= built_10 * 1.25
