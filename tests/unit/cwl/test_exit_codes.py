"""toil-cwl-runner's exit code comes from what the failed jobs raised, not from their messages' text."""

from __future__ import annotations

from toil.core import errors
from toil.core.leader import FailedJob
from toil.core.outcome import JobError
from toil.cwl.messages import UNSUPPORTED_EXIT
from toil.cwl.run import error_exit_code
from toil.cwl.tool import Unsupported


class UnsupportedRequirement(Exception):
    """Named as cwltool's, which a job may raise when cwltool itself refuses a requirement."""


def failed(*raised: BaseException | None) -> errors.FailedJobsException:
    jobs = [FailedJob(f"j{i}", f"step{i}", f"{type(e).__name__}: {e}",
                      None if e is None else JobError.of(f"j{i}", e, permanent=True))
            for i, e in enumerate(raised)]
    return errors.FailedJobsException("file:store", jobs)


def test_jobs_that_all_raised_unsupported_exit_33() -> None:
    assert error_exit_code(failed(Unsupported("no GPUs here"))) == UNSUPPORTED_EXIT
    assert error_exit_code(failed(UnsupportedRequirement("ShmSize"), Unsupported("x"))) == UNSUPPORTED_EXIT
    assert error_exit_code(Unsupported("refused before the start")) == UNSUPPORTED_EXIT


def test_any_other_failure_exits_1_whatever_its_message_says() -> None:
    assert error_exit_code(failed(ValueError("Unsupported: looks like it, is not"))) == 1
    assert error_exit_code(failed(Unsupported("x"), RuntimeError("y"))) == 1
    assert error_exit_code(failed(None)) == 1  # a killed worker said nothing
