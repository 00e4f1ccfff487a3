"""Load the CWL conformance tests and run them with cwltest against a runner."""

from __future__ import annotations

import logging
import os
import shlex
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

RESULT_NAMES = {0: "pass", 1: "fail", 2: "timeout", 33: "unsupported"}


@dataclass
class CaseOutcome:
    """What one conformance test did."""

    id: str
    number: int
    tags: list[str]
    status: str  # pass, fail, timeout, unsupported
    duration: float = 0.0
    message: str = ""
    stderr_tail: str = ""
    command: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def expand_range(text: str) -> list[int]:
    """Turn cwltest's ``1,3-6,9`` into 1-based test numbers."""
    numbers: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, sep, high = part.partition("-")
        if sep:
            numbers.extend(range(int(low), int(high) + 1))
        else:
            numbers.append(int(low))
    return numbers


def test_id(test: dict[str, Any], number: int) -> str:
    """The stable id of a test: its short name, or its number when it has none."""
    name = test.get("short_name") or test.get("id") or test.get("label")
    if not name:
        return f"test{number}"
    return str(name).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def load_tests(suite_file: str) -> list[dict[str, Any]]:
    """Load and validate the suite's test list (following its $imports) with cwltest."""
    from cwltest import utils

    tests, _ = utils.load_and_validate_tests(suite_file)
    for number, test in enumerate(tests, start=1):
        test["short_name"] = test_id(test, number)
    return list(tests)


def select_tests(
    tests: list[dict[str, Any]], numbers: Iterable[int] | None = None, tags: Iterable[str] | None = None,
    exclude_tags: Iterable[str] | None = None, names: Iterable[str] | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """Pick tests by 1-based number, tag and short name; keep their suite numbers."""
    chosen = list(enumerate(tests, start=1))
    if numbers is not None:
        wanted = set(numbers)
        chosen = [(n, t) for n, t in chosen if n in wanted]
    if tags:
        tag_set = set(tags)
        chosen = [(n, t) for n, t in chosen if tag_set & set(t.get("tags", []))]
    if exclude_tags:
        drop = set(exclude_tags)
        chosen = [(n, t) for n, t in chosen if not drop & set(t.get("tags", []))]
    if names:
        name_set = set(names)
        chosen = [(n, t) for n, t in chosen if t["short_name"] in name_set]
    return chosen


def _tail(text: str | None, lines: int = 15) -> str:
    return "\n".join((text or "").splitlines()[-lines:])


def run_one(
    suite_file: str, runner: list[str], test: dict[str, Any], number: int, timeout: int
) -> CaseOutcome:
    """Run one test through cwltest's own runner and comparison."""
    from cwltest import utils

    basedir = os.path.dirname(os.path.abspath(suite_file)) + "/"
    config = utils.CWLTestConfig(
        entry=suite_file, entry_line=str(test.get("line", "0")), basedir=basedir,
        test_baseuri="file://" + basedir, test_basedir=basedir, tool=runner[0], args=runner[1:],
        timeout=timeout, verbose=False, runner_quiet=True,
    )
    result = utils.run_test_plain(config, test, number)
    status = RESULT_NAMES.get(result.return_code, "fail")
    command = utils.prepare_test_command(runner[0], runner[1:], None, test, os.getcwd(), True)
    return CaseOutcome(
        id=test["short_name"], number=number, tags=list(test.get("tags", [])), status=status,
        duration=round(result.duration, 2), message=(result.message or "")[-20000:],
        stderr_tail=_tail(result.error_output), command=command,
    )


def run_tests(
    suite_file: str, runner: list[str], selected: list[tuple[int, dict[str, Any]]], jobs: int, timeout: int,
    progress: Callable[[CaseOutcome], None] | None = None,
) -> list[CaseOutcome]:
    """Run the selected tests, ``jobs`` at a time, in the suite's directory."""
    logging.getLogger("cwltest").setLevel(logging.CRITICAL)
    outcomes: list[CaseOutcome] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run_one, suite_file, runner, test, number, timeout) for number, test in selected]
        for future in futures:
            outcome = future.result()
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
    return outcomes


def print_progress(total: int) -> Callable[[CaseOutcome], None]:
    done = [0]

    def show(outcome: CaseOutcome) -> None:
        done[0] += 1
        line = f"[{done[0]}/{total}] #{outcome.number} {outcome.id}: {outcome.status} ({outcome.duration:.1f}s)"
        if outcome.status != "pass":
            line += "  " + shlex.join(outcome.command)
        print(line, file=sys.stderr, flush=True)

    return show
