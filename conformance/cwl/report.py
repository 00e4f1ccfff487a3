"""Results of a conformance run: JSON per test, a Markdown summary by tag, the baseline."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.cwl.suite import CaseOutcome

PASS = "pass"


@dataclass
class Comparison:
    """How a run compares with the baseline."""

    regressions: list[str] = field(default_factory=list)  # baseline pass, now not passing
    newly_passing: list[str] = field(default_factory=list)  # baseline reason, now passing
    unknown: list[str] = field(default_factory=list)  # not in the baseline at all

    @property
    def ok(self) -> bool:
        return not self.regressions


def counts_by_tag(outcomes: Iterable[CaseOutcome]) -> dict[str, dict[str, int]]:
    """Count statuses per tag, with an ``all`` row."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for outcome in outcomes:
        for tag in ["all", *outcome.tags]:
            table[tag][outcome.status] += 1
            table[tag]["total"] += 1
    return {tag: dict(row) for tag, row in table.items()}


def summary_markdown(outcomes: list[CaseOutcome], title: str, reasons: dict[str, str] | None = None) -> str:
    """A Markdown table of passes by tag, then the tests that did not pass."""
    table = counts_by_tag(outcomes)
    lines = [f"# {title}", "", "| tag | pass | fail | unsupported | timeout | total |", "|---|---|---|---|---|---|"]
    for tag in ["all", *sorted(t for t in table if t != "all")]:
        row = table[tag]
        lines.append(
            f"| {tag} | {row.get('pass', 0)} | {row.get('fail', 0)} | {row.get('unsupported', 0)} "
            f"| {row.get('timeout', 0)} | {row['total']} |"
        )
    failing = [o for o in sorted(outcomes, key=lambda o: o.number) if o.status != PASS]
    if failing:
        lines += ["", "## Not passing", ""]
        for outcome in failing:
            reason = (reasons or {}).get(outcome.id, "")
            lines.append(f"- #{outcome.number} `{outcome.id}` ({outcome.status})" + (f": {reason}" if reason else ""))
    return "\n".join(lines) + "\n"


def write_results(outcomes: list[CaseOutcome], directory: str, name: str) -> str:
    """Write the per-test results as JSON; return the path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{name}.json")
    with open(path, "w") as f:
        json.dump([o.to_json() for o in sorted(outcomes, key=lambda o: o.number)], f, indent=1)
    return path


def read_results(paths: list[str]) -> list[CaseOutcome]:
    """Outcomes from result files of several (partial) runs; a later file wins for a test."""
    merged: dict[str, CaseOutcome] = {}
    for path in paths:
        with open(path) as f:
            for entry in json.load(f):
                merged[entry["id"]] = CaseOutcome(**entry)
    return sorted(merged.values(), key=lambda o: o.number)


def load_baseline(path: str) -> dict[str, str]:
    """Read ``test id -> pass`` or ``test id -> reason`` (a missing file is an empty baseline)."""
    if not os.path.exists(path):
        return {}
    from ruamel.yaml import YAML

    with open(path) as f:
        data: Any = YAML(typ="safe").load(f) or {}
    return {str(k): str(v) for k, v in data.items()}


def compare(outcomes: Iterable[CaseOutcome], baseline: dict[str, str]) -> Comparison:
    """Find baseline passes that no longer pass, and expected failures that now pass."""
    result = Comparison()
    for outcome in sorted(outcomes, key=lambda o: o.number):
        expected = baseline.get(outcome.id)
        if expected is None:
            result.unknown.append(outcome.id)
        elif expected == PASS and outcome.status != PASS:
            result.regressions.append(outcome.id)
        elif expected != PASS and outcome.status == PASS:
            result.newly_passing.append(outcome.id)
    return result


def updated_baseline(
    outcomes: Iterable[CaseOutcome], baseline: dict[str, str], default_reason: str = "fails (not yet analysed)"
) -> dict[str, str]:
    """The baseline after a run: passes become ``pass``; failures keep their reason."""
    merged = dict(baseline)
    for outcome in outcomes:
        if outcome.status == PASS:
            merged[outcome.id] = PASS
        elif merged.get(outcome.id, PASS) == PASS:
            merged[outcome.id] = f"{outcome.status}: {default_reason}"
    return merged


def _header(path: str) -> list[str]:
    try:
        with open(path) as f:
            text = f.read().splitlines()
    except OSError:
        return []
    header = []
    for line in text:
        if not line.startswith("#"):
            break
        header.append(line)
    return header


def write_baseline(path: str, baseline: dict[str, str], order: list[str]) -> None:
    """Write the baseline in suite order, passes as ``pass`` and failures with their reason.

    The comment lines heading an existing baseline are kept (the container baseline says what it is).
    """
    position = {name: i for i, name in enumerate(order)}
    lines = _header(path) or [
        "# CWL v1.2 conformance baseline for toil-cwl-runner (--no-container).",
        "# test id -> pass, or the reason it is expected not to pass. The harness fails when a `pass` regresses.",
    ]
    for name in sorted(baseline, key=lambda n: (position.get(n, len(order)), n)):
        lines.append(f"{name}: {json.dumps(baseline[name])}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
