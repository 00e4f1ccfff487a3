"""Toil's Python job API, run the way a user runs it: ``python script.py JOBSTORE [options]``.

Every test runs a script from ``scripts/`` with ``sys.executable`` in its own directory
under ``tmp_path``, with its own job store there, and checks what the script printed and
left behind. A script prints its answer on a line starting with ``RESULT``.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from toil.job import Job, JobException

pytestmark = pytest.mark.integration

from tests.integration.support import (  # noqa: E402
    EXAMPLES,
    json_result,
    result_of,
    run_script,
    script_command,
)


# -- jobs, successors and ordering ---------------------------------------------------------
def test_job_kinds_and_successor_ordering(tmp_path: Path) -> None:
    proc = run_script("ordering.py", tmp_path / "store", "--record", tmp_path / "record.txt", cwd=tmp_path)
    assert result_of(proc) == "root"
    events = (tmp_path / "record.txt").read_text().split("\n")[:-1]
    names = ["root", "a", "a.child", "b", "join", "c", "c.child", "c.followon", "f1", "f2", "f3", "f3.child"]
    for name in names:
        assert events.count(f"start {name}") == 1, events
        assert events.count(f"end {name}") == 1, events
    position = {event: index for index, event in enumerate(events)}

    def after(later: str, earlier: str) -> None:
        assert position[f"start {later}"] > position[f"end {earlier}"], f"{later} started before {earlier} ended"

    # Children run after their parent (Job subclass, addChild, addChildFn, addChildJobFn).
    for child in ("a", "b", "c"):
        after(child, "root")
    after("a.child", "a")
    after("join", "a")  # a child of both a and b
    after("join", "b")
    after("c.child", "c")  # added at run time
    after("f3.child", "f3")
    # A follow-on runs after its parent's children and everything below them.
    after("c.followon", "c.child")
    for follow_on in ("f1", "f2", "f3"):
        for done in ("a", "a.child", "b", "join", "c", "c.child", "c.followon"):
            after(follow_on, done)


def test_promises_in_every_shape(tmp_path: Path) -> None:
    result = json_result(run_script("promises.py", tmp_path / "store", cwd=tmp_path))
    whole = [7, {"a": "deep-a", "b": [10, 20, 30]}, "third"]
    assert result == {
        "whole_tuple": whole,
        "first": 7,
        "key": "value-of-key",
        "path": "deep-a",
        "path_index": 20,
        "indexed": [10, 20, 30],
        "of_promise": "inner-value",
        "of_promise_twice": "inner-value",
        "consumer": {
            "args": [7, ["deep-a", 30, {"nested": ["value-of-key"]}], {"key": "value-of-key", "n": 42}],
            "kwargs": {"kw_whole": whole, "kw_key": 42, "kw_outer": "inner-value", "kw_list": ["inner-value", "third"]},
        },
        "total": 49,
        "in_list": ["third", 42],
    }


def test_promised_requirements(tmp_path: Path) -> None:
    result = json_result(run_script("promised_requirements.py", tmp_path / "store", cwd=tmp_path))
    assert isinstance(result, dict)
    size = result["file_size"]
    sized = result["sized"]
    assert sized["ran"] is True
    assert sized["read_size"] == size
    assert sized["memory"] == size + 1024 * 1024  # computed from the promised FileID's size
    assert sized["cores"] == pytest.approx(0.1)
    for name in ("cored", "plain"):  # PromisedRequirement(lambda x: x, p) and PromisedRequirement(p)
        assert result[name]["ran"] is True
        assert result[name]["cores_arg"] == pytest.approx(0.25)
        assert result[name]["cores"] == pytest.approx(0.25)


def test_fan_out_of_fifty_children_made_at_run_time(tmp_path: Path) -> None:
    proc = run_script("fanout.py", tmp_path / "store", "--width", 50, cwd=tmp_path)
    assert result_of(proc) == f"sum={sum(i * i for i in range(50))} count=50"


def test_trace_has_a_row_per_job_from_the_workers_on_this_machine(tmp_path: Path) -> None:
    """--trace on single_machine, a fan-out of 1,000: the warm runners' own figures (CPU, memory, I/O) for each job."""
    width = 1000
    proc = run_script("fanout.py", tmp_path / "store", "--width", width, "--trace", tmp_path / "t" / "trace.tsv",
                      cwd=tmp_path)
    assert result_of(proc) == f"sum={sum(i * i for i in range(width))} count={width}"
    lines = (tmp_path / "t" / "trace.tsv").read_text().splitlines()
    header, rows = lines[0].split("\t"), [dict(zip(lines[0].split("\t"), line.split("\t"), strict=True))
                                          for line in lines[1:]]
    assert header[:4] == ["task_id", "native_id", "name", "status"] and len(rows) == width + 2
    assert sorted({row["name"] for row in rows}) == ["fan_out", "square", "total"]
    assert len({row["task_id"] for row in rows}) == width + 2, "a row per job"
    for row in rows:
        assert row["status"] == "COMPLETED" and row["exit"] == "0" and row["%cpu"] != "-", row
        assert row["submit"] <= row["start"] <= row["complete"], row
        assert 1_000_000 < int(row["peak_rss"]) < 2_000_000_000 and int(row["rchar"]) >= 0, row


def test_job_log_messages_reach_the_leader_log(tmp_path: Path) -> None:
    proc = run_script("logging_jobs.py", tmp_path / "store", cwd=tmp_path)
    assert result_of(proc) == "ok"
    for marker in ("marker-job-log-fn", "marker-log_to_leader", "marker-job-log-subclass", "marker-logToMaster",
                   "marker-warning-level"):
        lines = [line for line in proc.stderr.splitlines() if marker in line]
        assert len(lines) == 1, f"{marker} not logged once by the leader:\n{proc.stderr}"
    warning = next(line for line in proc.stderr.splitlines() if "marker-warning-level" in line)
    assert "[W]" in warning


# -- Job.Runner ----------------------------------------------------------------------------
def test_runner_default_argument_parser_and_start_toil(tmp_path: Path) -> None:
    proc = run_script("runner_api.py", "parser", tmp_path / "store", "--logLevel=ERROR", cwd=tmp_path)
    assert result_of(proc) == "hello parser"
    assert not (tmp_path / "store").exists()  # --clean defaults to onSuccess


def test_runner_default_options(tmp_path: Path) -> None:
    proc = run_script("runner_api.py", "defaults", tmp_path / "store", cwd=tmp_path)
    assert result_of(proc) == "hello defaults"
    assert "DEFAULTS clean=None retryCount=1 logLevel=INFO" in proc.stdout


def test_runner_add_toil_options_to_own_parser(tmp_path: Path) -> None:
    proc = run_script("runner_api.py", "addopts", tmp_path / "store", "--greeting", "from-my-parser",
                      "--logCritical", cwd=tmp_path)
    assert result_of(proc) == "hello from-my-parser"
    assert proc.stderr == ""  # --logCritical silences the leader


# -- import and export ---------------------------------------------------------------------
@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving a directory; yields (base URL, directory)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


TEXT = "Some text to import.\nSecond line.\n"


@pytest.mark.parametrize("snake", [False, True], ids=["camelCase", "snake_case"])
@pytest.mark.parametrize("kind", ["path", "file_url", "http_url"])
def test_import_and_export(tmp_path: Path, http_root: tuple[str, Path], kind: str, snake: bool) -> None:
    base_url, www = http_root
    (www / "input.txt").write_text(TEXT)
    (tmp_path / "input.txt").write_text(TEXT)
    source = {
        "path": "input.txt",  # relative to the script's working directory
        "file_url": (tmp_path / "input.txt").as_uri(),
        "http_url": f"{base_url}/input.txt",
    }[kind]
    out = tmp_path / "out" / "result.txt"
    destination = out.as_uri() if kind == "file_url" else str(out) if kind == "http_url" else "out/result.txt"
    proc = run_script("import_export.py", tmp_path / "store", "--src", source, "--dst", destination,
                      *(["--snake"] if snake else []), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"IMPORTED size={len(TEXT.encode())}" in proc.stdout
    assert "EXPORTED" in proc.stdout
    assert out.read_text() == TEXT.upper()


# -- requirements --------------------------------------------------------------------------
def test_requirements_with_size_suffixes_are_accepted(tmp_path: Path) -> None:
    result = json_result(run_script("requirements.py", tmp_path / "store", "--defaultMemory=20Mi",
                                    "--defaultCores=0.2", "--defaultDisk=3K", cwd=tmp_path))
    assert result == {
        "decimal": {"memory": 512 * 1000**2, "disk": 1000, "cores": 0.5},
        "binary": {"memory": int(1.5 * 1024**3), "disk": 1000, "cores": 0.5},
        "defaults": {"memory": 20 * 1024**2, "disk": 3000, "cores": 0.2},
    }


def test_requirements_parsed_at_job_creation() -> None:
    job = Job.wrapFn(print, memory="1.5Gi", cores=0.5, disk="1K")
    assert (job.memory, job.cores, job.disk) == (int(1.5 * 1024**3), 0.5, 1000)
    job.memory = "512M"
    assert job.memory == 512 * 1000**2


@pytest.mark.parametrize("requirement", [{"memory": "lots"}, {"disk": "-1G"}, {"cores": "many"}])
def test_bad_requirement_fails_at_job_creation(requirement: dict[str, str]) -> None:
    (name, value), = requirement.items()
    with pytest.raises(JobException, match=f"'{value}'"):
        Job.wrapFn(print, **requirement)
    with pytest.raises(JobException, match=f"'{value}'"):
        Job(**requirement)  # type: ignore[arg-type]
    job = Job.wrapJobFn(print, memory="20M", cores=2, disk="3M")
    before = (job.memory, job.cores, job.disk)
    with pytest.raises(JobException, match=f"'{value}'"):
        setattr(job, name, value)
    assert (job.memory, job.cores, job.disk) == before  # the refused value was not kept


# -- the file store ------------------------------------------------------------------------
def test_file_store_operations(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    result = json_result(run_script("filestore_ops.py", tmp_path / "store", "--state", state, cwd=tmp_path))
    assert isinstance(result, dict)
    writer, reader = result["writer"], result["reader"]
    assert writer.pop("write_size") == 1000
    assert writer.pop("binary_size") == 9
    assert writer.pop("text_size") == len("h\u00e9llo w\u00f6rld".encode())
    assert reader.pop("size_after_pickling") == 1000
    assert reader.pop("text_size_after_pickling") == 13
    assert reader.pop("binary_stream_type") == "bytes"
    assert reader.pop("text_stream_type") == "str"
    failed = {name: value for name, value in {**writer, **reader}.items() if value is not True}
    assert not failed, f"file store checks that failed: {failed}"
    # deleteGlobalFile is applied only when the job commits: the deleting job failed once after
    # deleting, and its retry could still read the file. Later jobs cannot.
    assert (state / "deleter-failed-once").exists()
    assert result["deleter_saw"] == "delete me"
    assert result["after_delete"].startswith("gone: "), result["after_delete"]


# -- options -------------------------------------------------------------------------------
def attempts(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_retry_count_default_retries_a_failed_job(tmp_path: Path) -> None:
    counter = tmp_path / "attempts"
    proc = run_script("flaky.py", tmp_path / "store", "--attempts", counter, cwd=tmp_path)
    assert result_of(proc) == "attempts=2"
    assert "flaky failure on attempt 1" in proc.stderr  # the failed attempt is reported


def test_retry_count_zero_fails_the_workflow(tmp_path: Path) -> None:
    counter = tmp_path / "attempts"
    proc = run_script("flaky.py", tmp_path / "store", "--attempts", counter, "--retryCount", 0, cwd=tmp_path)
    assert proc.returncode != 0
    assert attempts(counter) == 1
    assert "flaky failure on attempt 1" in proc.stderr
    assert (tmp_path / "store").exists()  # kept for --restart


def test_retry_count_two_allows_two_failures(tmp_path: Path) -> None:
    counter = tmp_path / "attempts"
    proc = run_script("flaky.py", tmp_path / "store", "--attempts", counter, "--failures", 2, "--retryCount", 2,
                      cwd=tmp_path)
    assert result_of(proc) == "attempts=3"


@pytest.mark.parametrize("after_parent", [False, True], ids=["issued", "chained"])
def test_permanent_failure_is_not_retried(tmp_path: Path, after_parent: bool) -> None:
    counter = tmp_path / "attempts"
    chain = ["--after-parent"] if after_parent else []
    proc = run_script("flaky.py", tmp_path / "store", "--attempts", counter, "--permanent", "--retryCount", 3, *chain,
                      cwd=tmp_path)
    assert proc.returncode != 0
    assert attempts(counter) == 1  # --retryCount 3 would have allowed four
    assert "PermanentJobFailure: flaky failure on attempt 1" in proc.stderr


def test_retry_count_zero_fails_a_chained_job(tmp_path: Path) -> None:
    counter = tmp_path / "attempts"
    proc = run_script("flaky.py", tmp_path / "store", "--attempts", counter, "--retryCount", 0, "--after-parent",
                      cwd=tmp_path)
    assert attempts(counter) == 1
    assert proc.returncode != 0
    assert "flaky failure on attempt 1" in proc.stderr


def test_max_job_duration_kills_a_long_job(tmp_path: Path) -> None:
    began = time.monotonic()
    proc = run_script("one_job.py", tmp_path / "store", "--sleep", 60, "--maxJobDuration", 1, "--retryCount", 0,
                      cwd=tmp_path)
    elapsed = time.monotonic() - began
    assert proc.returncode != 0
    assert elapsed < 20, f"the job was not killed in time ({elapsed:.1f} s)"
    assert "maxJobDuration" in proc.stderr


def test_set_env_reaches_the_job(tmp_path: Path) -> None:
    env = {"FROM_LEADER": "leader-value"}
    proc = run_script("one_job.py", tmp_path / "s1", "--env", "TOIL_TEST_VAR", "--setEnv", "TOIL_TEST_VAR=hello=env",
                      cwd=tmp_path, env=env)
    assert json_result(proc)["env"] == "hello=env"  # type: ignore[index]
    # NAME alone takes the leader's value.
    proc = run_script("one_job.py", tmp_path / "s2", "--env", "FROM_LEADER", "--setEnv", "FROM_LEADER",
                      cwd=tmp_path, env=env)
    assert json_result(proc)["env"] == "leader-value"  # type: ignore[index]
    # Without --setEnv the variable is not invented.
    proc = run_script("one_job.py", tmp_path / "s3", "--env", "TOIL_TEST_VAR", cwd=tmp_path)
    assert json_result(proc)["env"] is None  # type: ignore[index]


def chain_pids(tmp_path: Path, *options: str) -> list[int]:
    record = tmp_path / "pids.txt"
    proc = run_script("chain.py", tmp_path / "store", "--record", record, "--length", 5, *options, cwd=tmp_path)
    assert result_of(proc) == "0"
    rows = [line.split() for line in record.read_text().splitlines()]
    assert [int(index) for index, _ in rows] == [0, 1, 2, 3, 4]
    return [int(pid) for _, pid in rows]


def test_chaining_runs_a_chain_in_one_worker(tmp_path: Path) -> None:
    assert len(set(chain_pids(tmp_path))) == 1


def test_disable_chaining_runs_each_job_in_its_own_worker(tmp_path: Path) -> None:
    # Without worker reuse a worker process is one batch job, so pids tell batch jobs apart.
    assert len(set(chain_pids(tmp_path, "--disableChaining", "--workerReuse=false"))) == 5


CLEAN_CASES = [
    # (--clean, workflow fails, store left afterwards)
    ("always", False, False), ("always", True, False),
    ("never", False, True), ("never", True, True),
    ("onSuccess", False, False), ("onSuccess", True, True),
    ("onError", False, True), ("onError", True, False),
]


@pytest.mark.parametrize(("clean", "fail", "kept"), CLEAN_CASES)
def test_clean(tmp_path: Path, clean: str, fail: bool, kept: bool) -> None:
    store = tmp_path / "store"
    proc = run_script("one_job.py", store, f"--clean={clean}", "--retryCount", 0, *(["--fail"] if fail else []),
                      cwd=tmp_path)
    assert (proc.returncode != 0) == fail, proc.stderr
    assert store.exists() == kept


def test_work_dir_holds_the_jobs_temp_dirs(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = json_result(run_script("one_job.py", tmp_path / "store", "--workDir", work, cwd=tmp_path))
    assert isinstance(result, dict)
    for key in ("local_temp_dir", "temp_file", "job_temp_dir"):
        assert os.path.realpath(result[key]).startswith(os.path.realpath(work) + os.sep), (key, result[key])
    assert not os.path.exists(result["local_temp_dir"])  # removed when the job ended
    assert os.listdir(work) == []  # and the workflow's directory when it finished


def test_log_file_is_written(tmp_path: Path) -> None:
    log = tmp_path / "leader.log"
    proc = run_script("one_job.py", tmp_path / "store", "--logFile", log, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = log.read_text()
    assert "one_job is running" in text
    assert "Finished the workflow" in text


def test_log_levels_change_what_is_printed(tmp_path: Path) -> None:
    info = run_script("one_job.py", tmp_path / "s1", cwd=tmp_path)
    debug = run_script("one_job.py", tmp_path / "s2", "--logDebug", cwd=tmp_path)
    error = run_script("one_job.py", tmp_path / "s3", "--logLevel=ERROR", cwd=tmp_path)
    for proc in (info, debug, error):
        assert proc.returncode == 0, proc.stderr
    assert "one_job is running" in info.stderr
    assert "[I]" in info.stderr and "[D]" not in info.stderr
    assert "[D]" in debug.stderr and "one_job is running" in debug.stderr
    assert error.stderr == ""


def overlaps(record: Path) -> int:
    """How many jobs started before an earlier-started one had ended."""
    spans = sorted(tuple(map(float, line.split()[1:])) for line in record.read_text().splitlines())
    count, latest_end = 0, float("-inf")
    for start, end in spans:
        count += start < latest_end
        latest_end = max(latest_end, end)
    return count


def test_max_cores_one_runs_one_job_at_a_time(tmp_path: Path) -> None:
    record = tmp_path / "spans.txt"
    proc = run_script("parallel.py", tmp_path / "store", "--record", record, "--count", 4, "--cores", 1,
                      "--sleep", 0.5, "--maxCores", 1, cwd=tmp_path)
    assert result_of(proc) == "root"
    assert len(record.read_text().splitlines()) == 4
    assert overlaps(record) == 0


def test_small_jobs_do_run_in_parallel(tmp_path: Path) -> None:
    """The control for the --maxCores test: without the limit the same jobs overlap."""
    record = tmp_path / "spans.txt"
    proc = run_script("parallel.py", tmp_path / "store", "--record", record, "--count", 4, "--cores", 0.1,
                      "--sleep", 0.5, cwd=tmp_path)
    assert result_of(proc) == "root"
    assert overlaps(record) >= 1


# -- restart -------------------------------------------------------------------------------
def test_restart_after_failure_reruns_only_what_did_not_finish(tmp_path: Path) -> None:
    store, flag, record = tmp_path / "store", tmp_path / "flag", tmp_path / "record.txt"
    first = run_script("restartable.py", store, "--flag", flag, "--record", record, "--retryCount", 0, cwd=tmp_path)
    assert first.returncode != 0
    assert "the flag file" in first.stderr
    assert store.exists()
    done_before = record.read_text().splitlines()
    assert done_before.count("first") == 1 and done_before.count("second") == 1
    assert "needs_flag" not in done_before and "last" not in done_before

    flag.touch()
    second = run_script("restartable.py", store, "--flag", flag, "--record", record, "--restart", cwd=tmp_path)
    assert result_of(second) == "last got: flag seen"
    runs = record.read_text().splitlines()
    assert runs.count("first") == 1, runs  # not run again
    assert runs.count("second") == 1, runs
    assert runs.count("needs_flag") == 1, runs
    assert runs.count("last") == 1, runs
    assert runs.index("needs_flag") < runs.index("last")
    assert not store.exists()  # --clean=onSuccess, after the restart succeeded


@pytest.mark.chaos
def test_restart_after_the_leader_is_killed(tmp_path: Path) -> None:
    store, record = tmp_path / "store", tmp_path / "record.txt"
    options = ["--record", record, "--count", 3, "--sleep", 0.5, "--maxCores", 1]
    command, environment = script_command("crashable.py", store, *options)
    with subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL) as leader:
        deadline = time.monotonic() + 30
        # With --maxCores 1, job 1 starts only once job 0's worker has committed and exited.
        while "start 1" not in (record.read_text() if record.exists() else ""):
            assert leader.poll() is None, "the workflow ended before it could be killed"
            assert time.monotonic() < deadline, "job 1 never started"
            time.sleep(0.02)
        leader.kill()
        leader.wait()
    time.sleep(0.8)  # longer than a job: a worker that outlived its leader would write "end 1" now
    before = record.read_text().splitlines()
    assert before == ["start 0", "end 0", "start 1"], f"jobs went on without their leader: {before}"

    proc = run_script("crashable.py", store, *options, "--restart", cwd=tmp_path)
    assert result_of(proc) == "3"  # 0 + 1 + 2
    runs = record.read_text().splitlines()
    assert runs.count("start 0") == 1, runs  # committed before the crash: not run again
    for index in range(3):
        assert runs.count(f"end {index}") == 1, runs
    assert not store.exists()


# -- the examples --------------------------------------------------------------------------
def test_example_hello_world(tmp_path: Path) -> None:
    proc = run_script(EXAMPLES / "helloWorld.py", tmp_path / "store", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Hello, world!, here's a message: You did it!"


def test_example_sort(tmp_path: Path) -> None:
    proc = run_script(EXAMPLES / "sort.py", f"file:{tmp_path / 'store'}", "--numLines=5000", cwd=tmp_path,
                      timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "fileToSort.txt").read_text().splitlines(keepends=True)
    assert len(lines) == 5000
    assert (tmp_path / "sortedFile.txt").read_text().splitlines(keepends=True) == sorted(lines)
    assert not (tmp_path / "store").exists()
