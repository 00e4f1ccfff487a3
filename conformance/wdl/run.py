"""Run the WDL conformance suite against toil-wdl-runner (or another runner).

    python -m conformance.wdl.run [--suite DIR] [--versions draft-2,1.0,1.1] [-n RANGE] [-j N]
                                  [--runner CMD] [--baseline FILE] [--update-baseline]

Each test runs in its own temporary workspace that mirrors the suite root (``tests/``
entries are symlinks into the suite; the test's own directory is real so that the
rewritten WDL can sit next to its imports; ``run.py`` exists as in the suite's own
checkout). Nothing is written into the suite. Per-version results JSON and a Markdown
summary go to ``--reports``; the exit status is non-zero when a test the baseline marks
``pass`` does not pass.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import yaml
from conformance.wdl.baseline import compare_with_baseline, load_baseline, save_baseline
from conformance.wdl.compare import judge
from conformance.wdl.rewrite import rewrite

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SUITE = os.path.normpath(os.path.join(REPO, "..", "shared", "conformance", "wdl"))
DEFAULT_VERSIONS = ["draft-2", "1.0", "1.1"]
TIMEOUT = 600


@dataclass
class Result:
    number: int
    id: str
    version: str
    status: str  # pass, fail, skip
    reason: str = ""
    seconds: float = 0.0
    stderr_tail: str = ""


def parse_range(text: str | None) -> set[int] | None:
    if not text:
        return None
    chosen: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            start, end = part.split("-", 1)
            chosen.update(range(int(start), int(end) + 1))
        elif part:
            chosen.add(int(part))
    return chosen


def make_workspace(suite: str, test: dict[str, Any], version: str, root: str) -> tuple[str, str, str | None]:
    """Build a workspace for one test; return (workspace, wdl path, inputs path) relative to it."""
    inputs = test["inputs"]
    workspace = tempfile.mkdtemp(prefix=f"{test['id']}-{version}-", dir=root)
    test_dir = inputs["dir"]
    os.makedirs(os.path.join(workspace, "tests"))
    for entry in os.listdir(os.path.join(suite, "tests")):
        os.symlink(os.path.join(suite, "tests", entry), os.path.join(workspace, "tests", entry))
    real = os.path.join(workspace, test_dir)
    os.unlink(real)
    os.makedirs(real)
    for entry in os.listdir(os.path.join(suite, test_dir)):
        os.symlink(os.path.join(suite, test_dir, entry), os.path.join(real, entry))
    os.symlink(os.path.abspath(__file__), os.path.join(workspace, "run.py"))
    with open(os.path.join(suite, test_dir, inputs["wdl"])) as handle:
        source = handle.read()
    name = f"_version_{version}_{os.path.splitext(inputs['wdl'])[0]}.wdl"
    with open(os.path.join(real, name), "w") as handle:
        handle.write(rewrite(source, version))
    json_path = None
    if inputs.get("json"):
        json_path = os.path.join(test_dir, inputs["json"])
    elif inputs.get("json_string") is not None:
        json_path = "inputs.json"
        with open(os.path.join(workspace, json_path), "w") as handle:
            value = inputs["json_string"]
            handle.write(value if isinstance(value, str) else json.dumps(value))
    return workspace, os.path.join(test_dir, name), json_path


def run_test(suite: str, runner: list[str], number: int, test: dict[str, Any], version: str, root: str) -> Result:
    result = Result(number, test["id"], version, "fail")
    if version not in test.get("versions", []):
        result.status, result.reason = "skip", "not defined for this version"
        return result
    workspace, wdl, inputs = make_workspace(suite, test, version, root)
    command = [*runner, "--outputDialect", "miniwdl", "--logDebug", wdl, "-m", "results.json"]
    if inputs:
        command += ["-i", inputs]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=workspace, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        result.reason = f"timed out after {TIMEOUT} s"
        return result
    finally:
        result.seconds = round(time.monotonic() - started, 2)
    result.stderr_tail = "\n".join(done.stderr.splitlines()[-15:])
    with open(os.path.join(workspace, "stderr.txt"), "w") as handle:
        handle.write(done.stderr)
    result.status, result.reason = verdict(test, done.returncode, os.path.join(workspace, "results.json"))
    return result


def verdict(test: dict[str, Any], code: int, results_path: str) -> tuple[str, str]:
    if test.get("fail"):
        return ("pass", "") if code != 0 else ("fail", "the workflow did not fail")
    if code != 0:
        return "fail", f"the runner exited with status {code}"
    try:
        with open(results_path) as handle:
            results = json.load(handle)
    except (OSError, json.JSONDecodeError) as e:
        return "fail", f"cannot read the results file: {e}"
    problem = judge(test.get("outputs", {}), results, os.path.dirname(results_path))
    return ("fail", problem) if problem else ("pass", "")


def summary(version: str, results: list[Result]) -> str:
    ran = [r for r in results if r.status != "skip"]
    passed = [r for r in ran if r.status == "pass"]
    lines = [f"# WDL conformance, version {version}", "",
             f"Passed {len(passed)} / {len(ran)} (skipped {len(results) - len(ran)}).", "",
             "| # | id | status | seconds | reason |", "|---|---|---|---|---|"]
    for r in ran:
        reason = r.reason.replace("|", "\\|").replace("\n", " ")[:200]
        lines.append(f"| {r.number} | {r.id} | {r.status} | {r.seconds} | {reason} |")
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conformance.wdl.run", description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default=DEFAULT_SUITE, help="The suite's directory (conformance.yaml).")
    parser.add_argument("--versions", default=",".join(DEFAULT_VERSIONS))
    parser.add_argument("-n", "--numbers", default=None, help="Test numbers, e.g. 0-10,15.")
    parser.add_argument("--id", default=None, help="Test ids, comma-separated.")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="Tests run at once.")
    parser.add_argument("--runner", default="toil-wdl-runner", help="The runner command.")
    parser.add_argument("--baseline", default=os.path.join(HERE, "baseline.yaml"))
    parser.add_argument("--update-baseline", action="store_true",
                        help="Record this run's passes in the baseline (keeping reasons for failures).")
    parser.add_argument("--reports", default=os.path.join(HERE, "reports"), help="Where results and summaries go.")
    parser.add_argument("--keep", action="store_true", help="Keep the workspaces (printed at the end).")
    return parser


def select(tests: list[dict[str, Any]], options: argparse.Namespace) -> list[int]:
    numbers = parse_range(options.numbers)
    ids = set(options.id.split(",")) if options.id else None
    return [i for i, t in enumerate(tests)
            if (numbers is None or i in numbers) and (ids is None or t["id"] in ids)]


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    suite = os.path.abspath(options.suite)
    with open(os.path.join(suite, "conformance.yaml")) as handle:
        tests = yaml.safe_load(handle)
    versions = [v for v in options.versions.split(",") if v]
    runner = shlex.split(options.runner)
    root = tempfile.mkdtemp(prefix="wdl-conformance-")
    chosen = [(i, v) for v in versions for i in select(tests, options)]
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = [pool.submit(run_test, suite, runner, i, tests[i], v, root) for i, v in chosen]
        results = []
        for future in futures:
            result = future.result()
            results.append(result)
            if result.status != "skip":
                print(f"{result.number:3d} {result.version:8s} {result.status:4s} {result.id} {result.reason[:150]}",
                      flush=True)
    return report(options, versions, results, root)


def report(options: argparse.Namespace, versions: list[str], results: list[Result], root: str) -> int:
    os.makedirs(options.reports, exist_ok=True)
    for version in versions:
        mine = [r for r in results if r.version == version]
        with open(os.path.join(options.reports, f"results-{version}.json"), "w") as handle:
            json.dump([asdict(r) for r in mine], handle, indent=1)
        with open(os.path.join(options.reports, f"summary-{version}.md"), "w") as handle:
            handle.write(summary(version, mine))
        ran = [r for r in mine if r.status != "skip"]
        print(f"{version}: passed {sum(r.status == 'pass' for r in ran)} / {len(ran)}")
    baseline = load_baseline(options.baseline)
    regressions = compare_with_baseline(baseline, results)
    for line in regressions:
        print(f"REGRESSION {line}")
    if options.update_baseline:
        save_baseline(options.baseline, baseline, results)
    if options.keep:
        print(f"workspaces kept in {root}")
    else:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
