"""The runner's one error line: the leader's marked failure reports kept out of its way, WDL errors told plainly."""

from __future__ import annotations

import logging

from toil.core import errors
from toil.core.leader import FAILURE_REPORT, JOB_LOG_REPORT, FailedJob
from toil.core.outcome import JobError
from toil.wdl.cli import QuietFailures, one_line
from toil.wdl.evaluate import WdlRuntimeError
from toil.wdl.load import WdlError
from toil.wdl.task import TaskFailed


def record(message: str, extra: dict[str, str] | None = None) -> logging.LogRecord:
    made = logging.makeLogRecord({"msg": message, "levelno": logging.WARNING, **(extra or {})})
    made.exc_info = (ValueError, ValueError("x"), None)
    return made


def test_marked_reports_are_dropped_and_tracebacks_everywhere() -> None:
    quiet = QuietFailures()
    assert not quiet.filter(record("anything at all", FAILURE_REPORT))
    assert not quiet.filter(record("anything at all", JOB_LOG_REPORT))
    kept = record("Job %s failed, said in a record the leader did not mark")
    assert quiet.filter(kept) and kept.exc_info is None


def failed(error: BaseException | None, reason: str) -> errors.FailedJobsException:
    job_error = None if error is None else JobError.of("j1", error, permanent=False)
    return errors.FailedJobsException("file:/store", [FailedJob("j1", "boom", reason, job_error)])


def test_a_wdl_failure_is_its_message_and_anything_else_keeps_its_class() -> None:
    kept = " (job store kept in file:/store for --restart)"
    task = TaskFailed("task boom failed: status 7: see stderr")
    assert one_line(failed(task, f"TaskFailed: {task}")) == str(task) + kept
    evaluation = WdlRuntimeError("w.wdl:3:5 EvalError: no")
    assert one_line(failed(evaluation, f"WdlRuntimeError: {evaluation}")) == str(evaluation) + kept
    assert one_line(failed(WdlError("bad: input"), "WdlError: bad: input")) == "bad: input" + kept
    assert one_line(failed(KeyError("k"), "KeyError: 'k'")) == "KeyError: 'k'" + kept
    assert one_line(failed(None, "killed by signal 9")) == "killed by signal 9" + kept
