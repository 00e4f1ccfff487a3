"""Bad input gets one clear error line, a non-zero exit and no traceback (unless --logDebug).

Each test runs ``scripts/bad_workflows.py`` (or another script) as a user would, with
``sys.executable``, in its own directory under ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.support import run_script, script_command  # noqa: E402

pytestmark = pytest.mark.integration

ERROR_PREFIX = "toil: error: "


def bad(tmp_path: Path, store: object, case: str, *options: object,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_script("bad_workflows.py", store, "--case", case, *options, cwd=tmp_path, env=env)


def leader_lines(stderr: str) -> list[str]:
    """The leader's own lines: a failed job's log is quoted tab-indented and is the job's, not the leader's."""
    return [line for line in stderr.splitlines() if not line.startswith("\t")]


def clear_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Check the run failed with one ``toil: error:`` line and no traceback; return that line."""
    assert proc.returncode not in (0, 2), f"exit {proc.returncode}\n{proc.stderr}"
    assert "RESULT" not in proc.stdout
    assert "Traceback" not in "\n".join(leader_lines(proc.stderr)), proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith(ERROR_PREFIX)]
    assert len(errors) == 1, f"expected one error line:\n{proc.stderr}"
    line = errors[0]
    assert proc.stderr.rstrip("\n").splitlines()[-1] == line, "the error is not the last thing printed"
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"
    return line


def usage_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Check argparse rejected the command line: usage, one error line, exit 2."""
    assert proc.returncode == 2, f"exit {proc.returncode}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("usage: ")
    errors = [line for line in proc.stderr.splitlines() if line.startswith("bad_workflows.py: error: ")]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle in errors[0], f"{needle!r} not in {errors[0]!r}"
    return errors[0]


def listing(directory: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under directory: (size, mtime, sha256) by relative path."""
    out = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            stat = path.stat()
            out[str(path.relative_to(directory))] = (stat.st_size, stat.st_mtime_ns,
                                                     hashlib.sha256(path.read_bytes()).hexdigest())
    return out


# -- job stores ----------------------------------------------------------------------------
def test_restart_of_a_missing_job_store(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "nowhere", "ok", "--restart")
    clear_error(proc, "does not exist", "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_fresh_start_on_an_existing_job_store_leaves_it_untouched(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = bad(tmp_path, store, "boom", "--retryCount", 0)
    assert first.returncode != 0 and store.is_dir()
    before = listing(store)
    assert before, "the failed workflow left an empty store"
    proc = bad(tmp_path, store, "ok")
    clear_error(proc, "already exists", "--restart")
    assert listing(store) == before


def test_job_store_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = bad(tmp_path, blocker / "store", "ok")
    clear_error(proc, "Cannot create the job store", "a-file")
    assert blocker.read_text() == "not a directory"


def test_s3_locator_without_credentials(tmp_path: Path) -> None:
    env_free = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "", "AWS_SHARED_CREDENTIALS_FILE":
                str(tmp_path / "none"), "AWS_CONFIG_FILE": str(tmp_path / "none")}
    proc = bad(tmp_path, "aws:us-east-1:name", "ok", env=env_free)
    clear_error(proc, "aws:us-east-1:name")
    assert not (tmp_path / "aws:us-east-1:name").exists()


def test_unknown_locator_kind(tmp_path: Path) -> None:
    proc = bad(tmp_path, "gs:bucket", "ok")
    clear_error(proc, "gs:bucket", "unknown kind 'gs'")
    assert os.listdir(tmp_path) == []


def test_restart_of_a_store_that_never_started(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = bad(tmp_path, store, "cores1000")  # the store is made, then start() refuses the job
    clear_error(first, "cores")
    assert store.is_dir()
    proc = bad(tmp_path, store, "ok", "--restart")
    line = clear_error(proc, "never started")
    assert "toil clean" in line  # says how to get out: a fresh start would find the store exists


def test_second_leader_on_a_running_workflow(tmp_path: Path) -> None:
    store, record = tmp_path / "store", tmp_path / "record.txt"
    options = ["--record", record, "--count", 1, "--sleep", 2, "--logLevel=ERROR"]
    command, environment = script_command("crashable.py", store, *options)
    with subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as first:
        deadline = time.monotonic() + 30
        while "start 0" not in (record.read_text() if record.exists() else ""):
            assert first.poll() is None and time.monotonic() < deadline, "the first leader did not get going"
            time.sleep(0.02)
        second = run_script("crashable.py", store, *options, "--restart", cwd=tmp_path)
        clear_error(second, "in use by another leader")
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err  # the first leader was not disturbed
    assert "RESULT 0" in out
    assert record.read_text().splitlines() == ["start 0", "end 0"]


# -- requirements --------------------------------------------------------------------------
def test_more_cores_than_the_machine_has(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "cores1000")
    clear_error(proc, "needs_many_cores", "1000", "cores")


def test_more_memory_than_the_machine_has(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "memory100T")
    clear_error(proc, "needs_many_cores", "memory")


def test_promised_requirement_the_machine_cannot_meet(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "promised_cores")
    clear_error(proc, "needs_many_cores", "1000", "cores")


def test_unparseable_requirement(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "bad_memory")
    clear_error(proc, "'lots'", "fine")


# -- the job graph -------------------------------------------------------------------------
def test_job_that_raises(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "boom", "--retryCount", 0)
    line = clear_error(proc, "explode_on_purpose", "RuntimeError: boom-123")
    assert "--restart" in line
    assert (tmp_path / "store").is_dir()  # kept for the restart


def test_cycle_in_the_job_graph(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "cycle")
    clear_error(proc, "cycle")


def test_promise_of_a_job_not_in_the_graph(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "foreign_promise")
    clear_error(proc, "promise", "not part of the workflow")


# -- files ---------------------------------------------------------------------------------
def test_import_of_a_missing_file(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "import_missing", "--url", tmp_path / "missing.txt")
    clear_error(proc, "missing.txt")


def test_export_to_a_read_only_url(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "export_http", "--url", "http://127.0.0.1:9/out.txt")
    clear_error(proc, "http://127.0.0.1:9/out.txt", "read-only")


# -- options -------------------------------------------------------------------------------
def test_unknown_option(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "ok", "--noSuchOption")
    usage_error(proc, "unrecognized arguments: --noSuchOption")
    assert not (tmp_path / "store").exists()


def test_bad_log_level(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "store", "ok", "--logLevel=LOUD")
    usage_error(proc, "--logLevel", "LOUD")
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("option", ["--retryCount=many", "--maxJobDuration=-3", "--defaultMemory=lots",
                                    "--clean=sometimes", "--maxCores=x"])
def test_bad_option_values(tmp_path: Path, option: str) -> None:
    name = option.split("=")[0]
    usage_error(bad(tmp_path, tmp_path / "store", "ok", option), name)


# -- --logDebug keeps the traceback --------------------------------------------------------
def test_log_debug_shows_the_traceback(tmp_path: Path) -> None:
    proc = bad(tmp_path, tmp_path / "nowhere", "ok", "--restart", "--logDebug")
    assert proc.returncode != 0
    assert "Traceback (most recent call last)" in proc.stderr
    assert "does not exist" in proc.stderr.splitlines()[-1]
