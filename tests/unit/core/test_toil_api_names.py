"""Names and value types Toil's Python API gives that users rely on (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toil.common import Toil
from toil.job import Job, JobGraphDeadlockException
from toil.jobStores.abstractJobStore import NoSuchFileException
from toil.stores.file import FileJobStore


def _noop(job: Job) -> None:
    return None


def test_requirements_keep_the_type_given() -> None:
    assert Job(cores=4).cores == 4 and isinstance(Job(cores=4).cores, int)
    assert Job(cores=0.5).cores == 0.5
    assert isinstance(Job(cores="2").cores, int)
    assert isinstance(Job().cores, int)  # Toil's default, 1


def test_function_job_keywords_are_not_passed_to_the_function() -> None:
    job = Job.wrapJobFn(_noop, name="step", walltime=60, checkpoint=True, cores=2)
    assert job.unitName == "step"
    assert job.walltime == 60
    assert job.checkpoint and job.cores == 2
    assert job._toil_kwargs == {}


def test_graph_checks() -> None:
    a, b, c = Job.wrapJobFn(_noop), Job.wrapJobFn(_noop), Job.wrapJobFn(_noop)
    a.addChild(b)
    b.addFollowOn(c)
    assert a.getRootJobs() == {a}
    assert a.getTopologicalOrderingOfJobs() == [a, b, c]
    a.checkJobGraphAcylic()
    c.addChild(a)
    with pytest.raises(JobGraphDeadlockException):
        a.checkJobGraphAcylic()


def test_shared_file_streams(tmp_path: Path) -> None:
    store = FileJobStore(f"file:{tmp_path / 'js'}", str(tmp_path / "js"))
    store.create()
    with pytest.raises(NoSuchFileException), store.read_shared_file_stream("note"):
        pass
    with store.write_shared_file_stream("note", encoding="utf-8") as out:
        out.write("hello")
    with store.read_shared_file_stream("note", encoding="utf-8") as got:
        assert got.read() == "hello"
    assert not store.has("shared", "note")  # apart from the engine's own shared keys


def test_workflow_id_is_known_before_start_and_kept(tmp_path: Path) -> None:
    options = Job.Runner.getDefaultOptions(str(tmp_path / "js"))
    options.batchSystem = "inline"
    with Toil(options) as toil:
        before = toil.config.workflowID
        assert before
        toil.start(Job.wrapJobFn(_noop))
        assert toil.config.workflowID == before
