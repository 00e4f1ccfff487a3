"""The checked-in baseline: ``id@version: pass`` or the reason a test is expected to fail."""

from __future__ import annotations

import os
from typing import Any

import yaml

HEADER = """\
# WDL conformance baseline for toil-wdl-runner, tasks on the host (no container engine).
# id@version: pass            -> must keep passing (python -m conformance.wdl.run fails otherwise)
# id@version: <reason>        -> a known failure, and why
"""


def load_baseline(path: str) -> dict[str, str]:
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        data = yaml.safe_load(handle) or {}
    return {str(key): str(value) for key, value in data.items()}


def compare_with_baseline(baseline: dict[str, str], results: list[Any]) -> list[str]:
    """Tests the baseline says pass that did not pass in this run."""
    lost = []
    for result in results:
        key = f"{result.id}@{result.version}"
        if baseline.get(key) == "pass" and result.status == "fail":
            lost.append(f"{key}: {result.reason}")
    return lost


def save_baseline(path: str, baseline: dict[str, str], results: list[Any]) -> None:
    updated = dict(baseline)
    for result in results:
        key = f"{result.id}@{result.version}"
        if result.status == "pass":
            updated[key] = "pass"
        elif result.status == "fail" and updated.get(key, "pass") == "pass":
            updated[key] = f"fails: {result.reason}"[:300]
    with open(path, "w") as handle:
        handle.write(HEADER)
        yaml.safe_dump(dict(sorted(updated.items())), handle, sort_keys=False, width=200, allow_unicode=True)
