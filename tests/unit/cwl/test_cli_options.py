"""--on-error and --log-dir: what the CLI hands the core and the workers, and how logs are kept."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from toil.core.options import Config
from toil.cwl.cli import build_parser, core_options
from toil.cwl.run import run_options
from toil.cwl.tool import keep_logs


def _parse(*args: str) -> object:
    options = build_parser().parse_args([*args, "--jobStore", "/tmp/unused-jobstore", "tool.cwl"])
    core_options(options)
    return options


@pytest.mark.parametrize(("args", "stop"), [((), True), (("--on-error", "stop"), True),
                                            (("--on-error", "continue"), False)])
def test_on_error_sets_stop_on_failure(args: tuple[str, ...], stop: bool) -> None:
    options = _parse(*args)
    assert Config.from_options(options).stop_on_failure is stop  # type: ignore[arg-type]


def test_log_dir_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    options = _parse("--log-dir", "logs")
    assert options.log_dir == str(tmp_path / "logs")  # type: ignore[attr-defined]
    assert run_options(options).log_dir == str(tmp_path / "logs")  # type: ignore[arg-type]
    assert run_options(_parse()).log_dir == ""  # type: ignore[arg-type]


def _job(outdir: Path, stdout: str | None = None, stderr: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(outdir=str(outdir), stdout=stdout, stderr=stderr)


def test_keep_logs_copies_declared_files_to_a_new_directory_each_run(tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    (outdir / "sub").mkdir(parents=True)
    (outdir / "out.txt").write_text("out\n")
    (outdir / "sub" / "err.txt").write_text("err\n")
    logs = tmp_path / "logs"
    first = keep_logs(_job(outdir, "out.txt", "sub/err.txt"), str(logs), "step")
    second = keep_logs(_job(outdir, "out.txt"), str(logs), "step")
    assert first == [str(logs / "step" / "out.txt"), str(logs / "step" / "sub" / "err.txt")]
    assert second == [str(logs / "step_2" / "out.txt")]
    assert (logs / "step" / "sub" / "err.txt").read_text() == "err\n"


def test_keep_logs_skips_what_is_not_there(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    assert keep_logs(_job(tmp_path), str(logs), "step") == []  # nothing declared
    assert keep_logs(_job(tmp_path, "missing.txt"), str(logs), "step") == []  # declared, never written
    assert keep_logs(SimpleNamespace(), str(logs), "expression") == []  # an ExpressionTool's job
    assert not logs.exists() or not os.listdir(logs)
