"""Toil 9.6's command-line options and config files, judged against Toil 9.6 itself.

The options come from Toil's own parsers: the module fixture fetches toil==9.6.0's wheel from
PyPI (``pip download --no-deps`` into a scratch directory), and toil96_options.py builds the
three parsers (a Python script's, toil-cwl-runner's, toil-wdl-runner's) from it, each option
with a value Toil's parser accepts. Ours must accept each one with that value, or refuse it
with the one line toil_compat_options gives as its reason; never "unrecognized arguments".
Without the network the fixture fails (no silent skip).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from toil.core.toil_compat_options import REFUSED, TABLE, effective_status

HERE = Path(__file__).parent
RUNNERS = ("script", "cwl", "wdl")


@pytest.fixture(scope="module")
def toil96(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Every option of Toil 9.6's three parsers (toil96_options.py's JSON)."""
    scratch = tmp_path_factory.mktemp("toil96")
    download = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "toil==9.6.0", "-d",
                               str(scratch / "wheel")], capture_output=True, text=True, check=False)
    assert download.returncode == 0, f"pip download toil==9.6.0 failed (network?):\n{download.stderr[-2000:]}"
    (wheel,) = (scratch / "wheel").glob("toil-9.6.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(scratch / "toil")
    (scratch / "home").mkdir()
    # Toil's modules only: drop this checkout from the path so Toil's own package is the one imported
    environment = {**os.environ, "HOME": str(scratch / "home"), "PYTHONPATH": ""}
    listing = subprocess.run([sys.executable, str(HERE / "toil96_options.py"), str(scratch / "toil")],
                             cwd=scratch, env=environment, capture_output=True, text=True, check=False)
    assert listing.returncode == 0, f"listing Toil 9.6's options failed:\n{listing.stderr[-3000:]}"
    options: dict[str, list[dict[str, Any]]] = json.loads(listing.stdout)
    return options


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of the test's own: parsers create ~/.toil/default.yaml there."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def our_parser(runner: str) -> Any:
    if runner == "script":
        from toil.core.options import default_argument_parser

        return default_argument_parser(jobstore_as_flag=False)
    if runner == "cwl":
        from toil.cwl.cli import build_parser

        return build_parser()
    from toil.wdl.cli import build_parser as wdl_parser

    return wdl_parser()


def parse(parser: Any, words: list[str]) -> tuple[int, str]:
    """(exit code, stderr) of parsing these words: 0 when accepted."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            parser.parse_args(words)
        except SystemExit as e:
            return int(e.code or 0), err.getvalue()
    return 0, err.getvalue()


def refusal(flag: str, runner: str) -> str | None:
    for option in TABLE:
        if flag in option.flags:
            status, reason = effective_status(option, runner)
            return reason if status == REFUSED else None
    return None


def words_for(runner: str, flag: str, value: str | None) -> list[str]:
    positional = {"script": ["store"], "cwl": [], "wdl": ["wf.wdl"]}[runner]
    return [*positional, flag, *([] if value is None else [value])]


@pytest.mark.parametrize("runner", RUNNERS)
def test_every_toil_96_option_is_accepted_or_refused_with_its_reason(
        toil96: dict[str, list[dict[str, Any]]], runner: str) -> None:
    parser = our_parser(runner)
    problems, accepted, refused = [], 0, 0
    for option in toil96[runner]:
        for flag in option["flags"]:
            if option["takes_value"] and option["sample"] is None:  # no value found that Toil's parser takes
                if flag not in parser._option_string_actions:
                    problems.append(f"{flag}: unknown")
                continue
            code, stderr = parse(parser, words_for(runner, flag, option["sample"] if option["takes_value"] else None))
            reason = refusal(flag, runner)
            last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            if code == 0 and reason is None:
                accepted += 1
            elif code == 2 and reason is not None and last.endswith(f": {reason}") and \
                    f"error: {flag if flag.startswith('--') else '--'}" in last:
                refused += 1
            else:
                problems.append(f"{flag} {option['sample']!r}: exit {code}: {last}")
    assert not problems, f"{len(problems)} of Toil 9.6's options go wrong on {runner}:\n" + "\n".join(problems)
    statuses = [status_of(option["flags"], runner) for option in toil96[runner]]
    print(f"{runner}: {len(statuses)} options: " + ", ".join(f"{statuses.count(s)} {s}" for s in sorted(set(statuses)))
          + f"; {accepted} spellings accepted, {refused} refused with their reason")


def status_of(flags: list[str], runner: str) -> str:
    """An option's status on a runner: the table's, else implemented (declared by our own parser)."""
    for option in TABLE:
        if set(flags) & set(option.flags):
            return effective_status(option, runner)[0]
    return "implemented"


def test_bool_options_take_toils_words_and_the_bare_flag() -> None:
    parser = our_parser("script")
    for word, expected in (("true", True), ("on", True), ("yes", True), ("1", True), ("false", False),
                           ("off", False), ("no", False), ("0", False)):
        options = parser.parse_args(["store", "--stopOnFirstFailure", word, "--doubleMem", word])
        assert (options.stop_on_first_failure, options.doubleMem) == (expected, expected), word
    assert parser.parse_args(["--stopOnFirstFailure", "store"]).stop_on_first_failure is True
    code, stderr = parse(parser, ["store", "--stopOnFirstFailure=maybe"])
    assert code == 2 and "maybe" in stderr.splitlines()[-1]


def test_wdl_runner_takes_strict_and_all_call_outputs_in_toils_syntax() -> None:
    options = our_parser("wdl").parse_args(["--strict=True", "--allCallOutputs=on", "--wdlQuantCheck", "no",
                                            "wf.wdl"])
    assert (options.strict, options.all_call_outputs, options.check_quant) == (True, True, False)
    assert our_parser("wdl").parse_args(["wf.wdl"]).all_call_outputs is None  # then croo decides


def test_refused_option_is_one_line_from_the_command(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(HERE.parents[1]), "HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "toil.cwl.cli", "--provisioner", "aws", "wf.cwl"], cwd=tmp_path,
                          env=environment, capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == \
        "toil-cwl-runner: error: --provisioner: cloud provisioning is not supported"
    assert "Traceback" not in proc.stderr


def test_default_config_is_created_and_read(home: Path) -> None:
    parser = our_parser("script")
    default = home / ".toil" / "default.yaml"
    text = default.read_text()
    assert "#retryBackoffSeconds: 2.0" in text and "#stopOnFirstFailure: false" in text
    default.write_text(text + "retryCount: 7\nstopOnFirstFailure: yes\n")
    options = our_parser("script").parse_args(["store"])
    assert (options.retryCount, options.stop_on_first_failure) == (7, True)
    assert our_parser("script").parse_args(["store", "--retryCount", "2"]).retryCount == 2  # the command line wins
    (home / ".toil" / "default.yaml").write_text(text + "provisioner: aws\n")
    code, stderr = parse(parser, ["store"])  # the file is read at each parse
    assert code == 2 and stderr.splitlines()[-1].endswith("error: --provisioner: cloud provisioning is not supported")


def test_toil_config_round_trips_through_config(tmp_path: Path) -> None:
    from toil.cli.main import main as toil_main

    written = tmp_path / "config.yaml"
    assert toil_main(["config", str(written)]) == 0
    text = written.read_text()
    # uncomment every option whose default is a plain value: reading it back changes nothing
    uncommented = "\n".join(line[1:] if line.startswith("#") and ": " in line and not line.startswith("# ")
                            and not line.endswith((": null", ": []")) else line for line in text.splitlines())
    written.write_text(uncommented)
    parser = our_parser("script")
    defaults = vars(parser.parse_args(["store"]))
    read = vars(parser.parse_args(["store", "--config", str(written)]))
    files = ("config", "config_version")
    assert {k: v for k, v in read.items() if k not in files} == {k: v for k, v in defaults.items() if k not in files}
    written.write_text(uncommented.replace("retryCount: 1", "retryCount: 5"))
    assert parser.parse_args(["store", "--config", str(written)]).retryCount == 5


def test_toil_config_to_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(HERE.parents[1]), "HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "toil.cli.main", "config", str(tmp_path / "no" / "c.yaml")],
                          env=environment, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("toil config: error: cannot write") and "\n" not in proc.stderr.strip()


CROO_WDL = HERE / "wdl" / "croo.wdl"


@pytest.mark.parametrize("asked, kept", [((), True), (("--allCallOutputs=off",), False), (("--wdlAllCallOutputs", "no"),
                                                                                          False)])
def test_croo_workflow_keeps_every_call_output_unless_told_not(tmp_path: Path, asked: tuple[str, ...],
                                                                kept: bool) -> None:
    from tests.integration.wdl.runner import outputs_of, run_wdl

    outputs = outputs_of(run_wdl(CROO_WDL, "--container", "none", *asked, cwd=tmp_path))
    expected = {"organized.n": 1, **({"organized.greet.text": "hello croo"} if kept else {})}
    assert outputs == expected


def test_run_dir_holds_the_job_store_and_work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toil.core.options import Config

    parser = our_parser("cwl")
    config = Config.from_options(parser.parse_args(["--runDir", str(tmp_path / "run")]))
    assert Path(config.job_store).parent == tmp_path / "run" and Path(config.job_store).name.startswith("jobstore-")
    assert config.work_dir == str(tmp_path / "run" / "work")
    explicit = Config.from_options(parser.parse_args(["--runDir", str(tmp_path / "run"), "--jobStore", "js",
                                                      "--workDir", str(tmp_path)]))
    assert (explicit.job_store, explicit.work_dir) == ("js", str(tmp_path))
    monkeypatch.setenv("TOIL_WORKDIR", str(tmp_path / "w"))
    assert Config.from_options(parser.parse_args(["--jobStore", "js"])).work_dir == str(tmp_path / "w")
