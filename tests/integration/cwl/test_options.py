"""cwltool's --on-error and --log-dir, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.cwl.test_runner import DATA, runner

pytestmark = pytest.mark.integration


def _on_error(tmp_path: Path, *options: str) -> tuple[int, str, bool]:
    """Run the two-branch workflow: 'fail' fails at once, 'later' would start after 'slow' sleeps 5 s."""
    marker = tmp_path / "later-ran"
    done = runner("--no-container", "--retryCount", "0", *options, "--outdir", tmp_path / "out", "--jobStore",
                  tmp_path / "jobstore", DATA / "on-error-wf.cwl", "--marker", marker, "--delay", "5", cwd=tmp_path)
    return done.returncode, done.stderr, marker.exists()


def test_on_error_stop_starts_no_more_steps(tmp_path: Path) -> None:
    code, stderr, later_ran = _on_error(tmp_path, "--on-error", "stop")
    assert code != 0, stderr
    assert "something went wrong" in stderr
    assert not later_ran, "with --on-error stop no step starts after one has failed"


def test_on_error_continue_runs_independent_steps(tmp_path: Path) -> None:
    code, stderr, later_ran = _on_error(tmp_path, "--on-error", "continue")
    assert code != 0, stderr
    assert "something went wrong" in stderr
    assert later_ran, "with --on-error continue the steps that do not need the failed one still run"


def test_on_error_default_is_stop(tmp_path: Path) -> None:
    code, stderr, later_ran = _on_error(tmp_path)
    assert code != 0, stderr
    assert not later_ran


def test_log_dir_keeps_a_tools_stdout(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    done = runner("--quiet", "--no-container", "--log-dir", "logs", "--outdir", tmp_path / "out",
                  DATA / "say.cwl", "--word", "hello", cwd=tmp_path)  # relative: made absolute by the runner
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "out.txt").read_text() == "hello\n"
    assert [p.relative_to(logs).as_posix() for p in sorted(logs.rglob("*"))] == ["say.cwl", "say.cwl/out.txt"]
    assert (logs / "say.cwl" / "out.txt").read_text() == "hello\n"


def test_log_dir_names_steps_and_scatter_elements_apart(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"words": ["one", "two", "three"]}))
    done = runner("--quiet", "--no-container", "--log-dir", logs, "--outdir", tmp_path / "out",
                  DATA / "log-dir-wf.cwl", job, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [f["basename"] for f in json.loads(done.stdout)["said"]] == ["out.txt"] * 3
    directories = sorted(p.name for p in logs.iterdir())
    # one directory per run of a step that declares stdout/stderr; none for 'quiet'
    assert directories == ["complain", "say", "say_2", "say_3"]
    said = sorted((logs / name / "out.txt").read_text() for name in directories if name.startswith("say"))
    assert said == ["one\n", "three\n", "two\n"]
    assert (logs / "complain" / "err.txt").read_text() == "grumble\n"


def test_log_dir_keeps_a_failed_tools_stderr(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    tool = tmp_path / "fail-stderr.cwl"
    tool.write_text((DATA / "fail.cwl").read_text() + "stderr: err.txt\n")
    done = runner("--quiet", "--no-container", "--retryCount", "0", "--log-dir", logs, "--outdir", tmp_path / "out",
                  "--jobStore", tmp_path / "jobstore", tool, cwd=tmp_path)
    assert done.returncode != 0
    assert (logs / "fail-stderr.cwl" / "err.txt").read_text() == "something went wrong\n"


def test_restart_keeps_the_options_the_workflow_started_with(tmp_path: Path) -> None:
    """Workers read the runner's options from the workflow's settings; --restart does not change them."""
    import subprocess

    from tests.integration.cwl.test_restart import command

    flag = tmp_path / "flag"
    common = ["--no-container", "--outdir", tmp_path / "out", "--jobStore", tmp_path / "js"]
    argv, environment = command("--retryCount", "0", "--preserve-environment", "GREETING", *common,
                                DATA / "needs-flag.cwl", "--flag", flag)
    environment["GREETING"] = "hello"
    first = subprocess.run(argv, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=240,
                           check=False)
    assert first.returncode != 0, first.stderr
    flag.touch()
    argv, environment = command("--restart", *common, DATA / "needs-flag.cwl", "--flag", flag)
    environment["GREETING"] = "hello again"
    second = subprocess.run(argv, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=240,
                            check=False)
    assert second.returncode == 0, second.stderr
    # --preserve-environment GREETING came from the first run's options: the tool sees the variable.
    assert Path(json.loads(second.stdout)["out"]["path"]).read_text() == "hello again\n"
