"""The leader's watch: its counts on the leader's test doubles, its log summary, its metrics, its options."""

from __future__ import annotations

import argparse
import logging
import os
import pty
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.unit.core.leader_harness import run_workflow
from tests.unit.core.test_leader import SMALL, Greeter, broken, fan, flaky, index, read_service
from toil.core.job import Job
from toil.core.metrics import RunMetrics
from toil.core.options import Config, default_argument_parser
from toil.core.progress import LogSummary, Snapshot, describe, wants_status_line
from toil.core.watch import RunWatch


class Recorder:
    """A display that keeps what it was shown."""

    def __init__(self) -> None:
        self.shown: list[tuple[Snapshot, bool]] = []
        self.closed = False

    def show(self, snapshot: Snapshot, final: bool = False) -> None:
        self.shown.append((snapshot, final))

    def close(self) -> None:
        self.closed = True


def watched(tmp_path: Path, root: Job, **options: object) -> tuple[Recorder, RunWatch]:
    recorder = Recorder()
    watch = RunWatch([recorder], refresh=1.0)
    with watch:
        run_workflow(tmp_path, root, watch=watch, **options)  # type: ignore[arg-type]
    return recorder, watch


def test_the_last_figures_of_a_fan_out(tmp_path: Path) -> None:
    recorder, watch = watched(tmp_path, Job.wrapJobFn(fan, 30, **SMALL))
    last, final = recorder.shown[-1]
    assert final and recorder.closed
    assert (last.done, last.known, last.running, last.queued, last.failed, last.growing) == (32, 32, 0, 0, 0, False)
    assert watch.issued_count == 32


def test_a_job_failed_for_good_and_one_retried(tmp_path: Path) -> None:
    root = Job(**SMALL)
    root.addChildJobFn(flaky, "watch-once", **SMALL)
    root.addChildFn(broken, "always", **SMALL)
    root.addChildFn(index, 1, **SMALL)
    recorder, watch = watched(tmp_path, root, retry_count=1)
    last, _ = recorder.shown[-1]
    # root, the flaky job (second try) and index ran; broken failed twice, for good the second time
    assert (last.done, last.known, last.failed, last.retrying) == (3, 4, 1, 0)
    assert watch.issued_count == 6


def test_a_service_counts_as_done_once_it_stopped(tmp_path: Path) -> None:
    root = Job(**SMALL)
    root.addChildFn(read_service, root.addService(Greeter(**SMALL)), **SMALL)
    recorder, _ = watched(tmp_path, root, real_time=True)
    last, _ = recorder.shown[-1]
    assert (last.done, last.known, last.failed) == (3, 3, 0)


def test_metrics_count_by_job_type_and_stop_being_served(tmp_path: Path) -> None:
    metrics = RunMetrics(0)
    recorder = Recorder()
    watch = RunWatch([recorder], metrics, refresh=1.0)
    root = Job(**SMALL)
    root.addChildJobFn(fan, 5, **SMALL)
    root.addChildFn(broken, "always", **SMALL)
    run_workflow(tmp_path, root, watch=watch, retry_count=0)
    url = f"http://127.0.0.1:{metrics.port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        families = {f.name: f for f in text_string_to_metric_families(response.read().decode())}
    watch.close()

    def by_type(family: str, suffix: str = "_total") -> dict[str, float]:
        return {s.labels["job_type"]: s.value for s in families[family].samples if s.name == family + suffix}

    assert by_type("toil_jobs_completed") == {"Job": 1, "fan": 1, "index": 5, "total": 1}
    assert by_type("toil_jobs_failed") == {"broken": 1}
    assert by_type("toil_jobs_issued") == {"Job": 1, "fan": 1, "index": 5, "total": 1, "broken": 1}
    assert by_type("toil_job_duration_seconds", "_count") == {"Job": 1, "fan": 1, "index": 5, "total": 1,
                                                               "broken": 1}
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)


def test_the_log_summary_comes_every_interval_and_at_the_end(caplog: pytest.LogCaptureFixture) -> None:
    summary = LogSummary(10.0)

    def at(elapsed: float, done: int) -> Snapshot:
        return Snapshot(done, 2, 3, 0, 0, 50, True, 2.0, 2 * 1024**3, 8.0, 16 * 1024**3, elapsed)

    with caplog.at_level(logging.INFO, logger="toil.core.progress"):
        for elapsed, done in ((0.5, 1), (9.9, 5), (10.0, 7), (15.0, 9), (20.5, 12)):
            summary.show(at(elapsed, done))
        summary.show(at(21.0, 50), final=True)
    assert [r.getMessage() for r in caplog.records] == [
        "Progress: 7 of 50+ jobs done, 2 running, 3 queued, 0 failed; cores 2/8, memory 2.0 GiB/16.0 GiB in use; "
        "0:00:10 elapsed",
        "Progress: 12 of 50+ jobs done, 2 running, 3 queued, 0 failed; cores 2/8, memory 2.0 GiB/16.0 GiB in use; "
        "0:00:20 elapsed",
        "Progress at the end: 50 of 50+ jobs done, 2 running, 3 queued, 0 failed; cores 2/8, memory 2.0 GiB/16.0 GiB "
        "in use; 0:00:21 elapsed",
    ]


def test_a_short_run_logs_no_summary_at_its_end(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="toil.core.progress"):
        LogSummary(60.0).show(Snapshot(3, 0, 0, 0, 0, 3, False, 0, 0, None, None, 2.0), final=True)
    assert caplog.records == []


def test_unlimited_resources_and_retries_read_plainly() -> None:
    text = describe(Snapshot(1, 0, 4, 2, 1, 9, True, 0.5, 1024, None, None, 3725.0))
    assert text == ("1 of 9+ jobs done, 0 running, 4 queued, 1 failed, 2 to retry; cores 0.5, memory 1.0 KiB in use; "
                    "1:02:05 elapsed")


def test_the_status_line_wants_a_terminal_that_is_not_dumb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with open(tmp_path / "file", "w") as plain:
        assert not wants_status_line(plain)
    master, slave = pty.openpty()
    with os.fdopen(slave, "w") as terminal:
        monkeypatch.setenv("TERM", "xterm-256color")
        assert wants_status_line(terminal)
        monkeypatch.setenv("TERM", "dumb")
        assert not wants_status_line(terminal)
    os.close(master)


def config(*words: str) -> Config:
    return Config.from_options(default_argument_parser(jobstore_as_flag=True).parse_args(["--jobStore", "js", *words]))


def test_the_options_and_their_defaults() -> None:
    default = config()
    assert (default.disable_progress, default.progress_interval, default.metrics, default.metrics_port,
            default.metrics_wait) == (False, 60.0, False, 0, 15.0)
    given = config("--disableProgress", "--progressInterval", "0", "--metrics", "--metricsPort", "9464",
                   "--metricsWait", "2.5")
    assert (given.disable_progress, given.progress_interval, given.metrics, given.metrics_port,
            given.metrics_wait) == (True, 0.0, True, 9464, 2.5)


@pytest.mark.parametrize("words", [["--progressInterval", "-1"], ["--progressInterval", "soon"],
                                   ["--metricsPort", "70000"], ["--metricsPort", "http"], ["--metricsWait", "nan"]])
def test_bad_values_are_refused(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        config(*words)
    assert exit_.value.code == 2
    assert words[0] in capsys.readouterr().err


def test_a_flag_before_a_positional_takes_no_value() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workflow")
    from toil.core.options import add_toil_options

    add_toil_options(parser, jobstore_as_flag=True)
    options = parser.parse_args(["--disableProgress", "wf.cwl", "--metrics", "--jobStore", "js"])
    assert options.workflow == "wf.cwl" and options.disableProgress is True and options.metrics is True
