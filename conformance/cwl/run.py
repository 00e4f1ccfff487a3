"""Run the CWL v1.2 conformance suite against a runner and compare with the baseline.

    python -m conformance.cwl.run [--suite DIR] [--runner CMD] [-j N] [--tags T,..] [-n RANGE]
                                  [--baseline FILE] [--update-baseline]

Results go to conformance/cwl/results/<name>.json (per test) and <name>.md (summary by
tag). The exit status is non-zero when a test the baseline marks ``pass`` does not pass.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys

from conformance.cwl import report, suite

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SUITE = os.path.join(REPO_ROOT, "..", "shared", "conformance", "cwl-v1.2")
DEFAULT_BASELINE = os.path.join(HERE, "baseline.yaml")
DEFAULT_RESULTS = os.path.join(HERE, "results")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m conformance.cwl.run", description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default=os.environ.get("CWL_CONFORMANCE_SUITE", DEFAULT_SUITE),
                        help="Directory of the suite (holding conformance_tests.yaml), or the YAML file itself.")
    parser.add_argument("--runner", default="toil-cwl-runner", help="The runner command (default toil-cwl-runner).")
    parser.add_argument("--container", action="store_true",
                        help="Let the runner use containers (default: pass --no-container).")
    parser.add_argument("-j", type=int, default=1, dest="jobs", help="Tests to run at once (default 1).")
    parser.add_argument("--tags", default=None, help="Only tests with one of these comma-separated tags.")
    parser.add_argument("--exclude-tags", default=None, help="Skip tests with one of these tags.")
    parser.add_argument("-n", default=None, dest="numbers", help="Only these test numbers, e.g. 1-20,25.")
    parser.add_argument("-s", default=None, dest="names", help="Only these test ids (comma-separated).")
    parser.add_argument("--timeout", type=int, default=600, help="Seconds before a test is killed (default 600).")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="The baseline YAML (test id -> pass | reason).")
    parser.add_argument("--no-baseline", action="store_true", help="Do not compare with a baseline.")
    parser.add_argument("--update-baseline", action="store_true",
                        help="Record this run's passes in the baseline (failures keep or get a reason).")
    parser.add_argument("--results-dir", default=DEFAULT_RESULTS, help="Where results go.")
    parser.add_argument("--name", default=None, help="Base name of the result files (default: from the runner).")
    parser.add_argument("--from-results", default=None, metavar="FILE,...",
                        help="Do not run: report on these result files of earlier (partial) runs, later ones winning.")
    return parser.parse_args(argv)


def suite_file(path: str) -> str:
    path = os.path.abspath(path)
    return os.path.join(path, "conformance_tests.yaml") if os.path.isdir(path) else path


def result_name(runner: str) -> str:
    base = os.path.basename(shlex.split(runner)[0])
    return "summary" if base == "toil-cwl-runner" else re.sub(r"[^A-Za-z0-9_.-]+", "_", f"summary-{base}")


def runner_command(args: argparse.Namespace) -> list[str]:
    command = shlex.split(args.runner)
    if not args.container and "--no-container" not in command:
        command.append("--no-container")
    return command


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tests_file = suite_file(args.suite)
    if not os.path.exists(tests_file):
        print(f"conformance: no suite at {tests_file} (give --suite DIR)", file=sys.stderr)
        return 2
    tests = suite.load_tests(tests_file)
    if args.from_results:
        return _report(args, report.read_results(args.from_results.split(",")), [t["short_name"] for t in tests])
    selected = suite.select_tests(
        tests,
        numbers=suite.expand_range(args.numbers) if args.numbers else None,
        tags=args.tags.split(",") if args.tags else None,
        exclude_tags=args.exclude_tags.split(",") if args.exclude_tags else None,
        names=args.names.split(",") if args.names else None,
    )
    command = runner_command(args)
    print(f"Running {len(selected)} of {len(tests)} tests with: {shlex.join(command)}", file=sys.stderr)
    outcomes = suite.run_tests(tests_file, command, selected, args.jobs, args.timeout,
                               progress=suite.print_progress(len(selected)))
    return _report(args, outcomes, [t["short_name"] for t in tests])


def _report(args: argparse.Namespace, outcomes: list[suite.CaseOutcome], order: list[str]) -> int:
    name = args.name or result_name(args.runner)
    baseline = {} if args.no_baseline else report.load_baseline(args.baseline)
    reasons = {k: v for k, v in baseline.items() if v != report.PASS}
    json_path = report.write_results(outcomes, args.results_dir, name)
    markdown = report.summary_markdown(outcomes, f"CWL v1.2 conformance: {args.runner}", reasons)
    md_path = os.path.join(args.results_dir, f"{name}.md")
    with open(md_path, "w") as f:
        f.write(markdown)
    passed = sum(o.status == report.PASS for o in outcomes)
    print(f"{passed} of {len(outcomes)} passed; results in {json_path} and {md_path}", file=sys.stderr)
    if args.update_baseline:
        report.write_baseline(args.baseline, report.updated_baseline(outcomes, baseline), order)
        print(f"Updated the baseline {args.baseline}", file=sys.stderr)
        return 0
    if args.no_baseline:
        return 0
    comparison = report.compare(outcomes, baseline)
    for test in comparison.newly_passing:
        print(f"now passing (update the baseline): {test}", file=sys.stderr)
    for test in comparison.regressions:
        print(f"REGRESSION: {test} passed in the baseline and does not now", file=sys.stderr)
    return 0 if comparison.ok else 1


if __name__ == "__main__":
    sys.exit(main())
