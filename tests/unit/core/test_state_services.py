"""Services and checkpoints in the scheduling state machine, event by event."""

from __future__ import annotations

from dataclasses import replace

from toil.core.description import JobDescription
from toil.core.requirements import Requirements
from toil.core.state import (
    IssueJob,
    JobCommitted,
    JobFailed,
    JobGaveUp,
    KillJobs,
    ResetJob,
    SchedulingState,
    ServiceStarted,
    Start,
    Status,
    StopServices,
    Tick,
    WorkflowFinished,
)


def rec(job_id: str, children: list[str] | None = None, preds: int = 0, services: list[list[str]] | None = None,
        kind: str = "", checkpoint: bool = False) -> JobDescription:
    return JobDescription(job_id, job_id, Requirements(), phases=[children or [], []], predecessors=preds,
                          services=services or [], kind=kind, checkpoint=checkpoint)


def ran(record: JobDescription, children: list[str] | None = None) -> JobDescription:
    return replace(record, ran=True, phases=[children if children is not None else record.phases[0], []])


class Run:
    def __init__(self, retry_count: int = 0) -> None:
        self.state = SchedulingState(retry_count=retry_count)

    def __call__(self, event: object) -> list[object]:
        out = self.state.handle(event)  # type: ignore[arg-type]
        self.state.validate()
        return out  # type: ignore[return-value]


def host_graph() -> list[JobDescription]:
    return [
        rec("host", ["child"], services=[["s1"], ["s2"]]),
        rec("child", preds=1),
        rec("s1", kind="service"),
        rec("s2", kind="service"),
    ]


def test_service_tiers_start_in_order_and_stop_after_successors() -> None:
    records = {r.job_id: r for r in host_graph()}
    run = Run()
    assert run(Start("host", list(records.values()))) == [IssueJob("host")]
    assert run(JobCommitted(ran(records["host"]))) == [IssueJob("s1")]
    assert run(ServiceStarted("s1")) == [IssueJob("s2")]
    assert run(ServiceStarted("s2")) == [IssueJob("child")]
    assert run(JobCommitted(ran(records["child"]))) == [StopServices(["s1", "s2"])]
    assert run.state.status("host") is Status.RAN
    assert run(JobCommitted(ran(records["s2"]))) == []
    assert run(JobCommitted(ran(records["s1"]))) == [WorkflowFinished(True)]


def test_a_service_that_fails_before_starting_fails_its_host() -> None:
    records = {r.job_id: r for r in host_graph()}
    run = Run(retry_count=3)  # services are not retried
    run(Start("host", list(records.values())))
    run(JobCommitted(ran(records["host"])))
    assert run(JobFailed("s1", now=1.0, reason="no port")) == [JobGaveUp("s1", "no port"),
                                                              WorkflowFinished(False)]
    assert run.state.status("host") is Status.FAILED
    assert run.state.status("child") is Status.WAITING


def test_a_service_that_dies_while_successors_run_fails_the_host_at_the_end() -> None:
    records = {r.job_id: r for r in host_graph()}
    run = Run()
    run(Start("host", list(records.values())))
    run(JobCommitted(ran(records["host"])))
    run(ServiceStarted("s1"))
    run(ServiceStarted("s2"))
    assert run(JobFailed("s1", now=1.0, reason="crashed")) == [JobGaveUp("s1", "crashed")]
    assert run(JobCommitted(ran(records["child"]))) == [StopServices(["s2"])]
    assert run(JobCommitted(ran(records["s2"]))) == [WorkflowFinished(False)]
    assert run.state.status("host") is Status.FAILED


def test_a_failed_child_restarts_its_checkpoint_and_kills_its_siblings() -> None:
    root = rec("root", ["point"])
    point = rec("point", preds=1, checkpoint=True)
    run = Run(retry_count=1)
    run(Start("root", [root, point]))
    run(JobCommitted(ran(root)))
    # the checkpoint ran and created two children dynamically
    kids = [rec("bad", preds=1), rec("slow", preds=1)]
    assert run(JobCommitted(ran(point, ["bad", "slow"]), new_records=kids)) == [IssueJob("bad"), IssueJob("slow")]
    run(JobFailed("bad", now=1.0))
    out = run(Tick(10.0))
    assert out == [IssueJob("bad")]
    out = run(JobFailed("bad", now=11.0, reason="boom"))
    assert out[0] == KillJobs(["slow"])
    assert isinstance(out[1], ResetJob) and out[1].record.job_id == "point" and not out[1].record.ran
    assert out[1].record.phases == [[], []]
    assert out[2] == IssueJob("point")
    assert "bad" not in run.state.nodes and "slow" not in run.state.nodes
    # second run of the checkpoint succeeds with a fresh child
    fresh = rec("good", preds=1)
    assert run(JobCommitted(ran(point, ["good"]), new_records=[fresh])) == [IssueJob("good")]
    assert run(JobCommitted(ran(fresh))) == [WorkflowFinished(True)]


def test_a_checkpoint_out_of_tries_gives_up() -> None:
    root = rec("root", ["point"])
    point = rec("point", preds=1, checkpoint=True)
    run = Run(retry_count=0)
    run(Start("root", [root, point]))
    run(JobCommitted(ran(root)))
    run(JobCommitted(ran(point, ["bad"]), new_records=[rec("bad", preds=1)]))
    assert run(JobFailed("bad", now=1.0, reason="boom")) == [JobGaveUp("bad", "boom"), WorkflowFinished(False)]
