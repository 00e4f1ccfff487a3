"""Run Toil 9.6.0's own API tests against this engine and compare with the baseline.

    python -m toil_tests.run [--files a,b] [--write-baseline] [--keep]

Fetches ``toil==9.6.0`` from PyPI with ``pip download --no-deps`` into a cache directory
(``TOIL_TESTS_CACHE``, default ``~/.cache/toil-tests``), unpacks its ``toil/test/`` tree (all but
its ``__init__.py`` and ``conftest.py``: the base they import is ours, ``toil/test/__init__.py``)
into a scratch directory, runs the test files with pytest, and compares each test's outcome with
``baseline.yaml``: every test not listed there must pass; a listed one may fail or be skipped,
for the reason written next to it. Exits 1 on a regression (or an unlisted skip), 0 otherwise,
and prints the counts per file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import yaml

TOIL_VERSION = "9.6.0"
HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.yaml"

# The API-level test files of issue 22, under toil/test/src/ in Toil's wheel.
API_FILES = [
    "promisesTest", "helloWorldTest", "realtimeLoggerTest", "userDefinedJobArgTypeTest",
    "deferredFunctionTest", "checkpointTest", "jobEncapsulationTest", "jobFileStoreTest",
    "restartDAGTest", "resumabilityTest", "jobTest", "jobServiceTest", "promisedRequirementTest",
    "toilContextManagerTest", "importExportFileTest", "retainTempDirTest", "regularLogTest",
    "environmentTest",
]
# Toil's documented tutorials (toil/test/docs/scripts/), run by Toil's own test of them, which
# checks each one's exit code and, where the tutorial documents it, its output.
DOC_FILES = ["scriptsTest"]


def fetch_wheel(cache: Path) -> Path:
    """Toil's wheel from the cache, downloaded once with pip."""
    cache.mkdir(parents=True, exist_ok=True)
    name = f"toil-{TOIL_VERSION}-py3-none-any.whl"
    wheel = cache / name
    if not wheel.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
             "-d", str(cache), f"toil=={TOIL_VERSION}"],
            check=True,
        )
    if not wheel.exists():
        raise SystemExit(f"toil-tests: pip did not leave {name} in {cache}")
    return wheel


def unpack_tests(wheel: Path, scratch: Path) -> Path:
    """Toil's test tree from the wheel, without the base modules we supply ourselves."""
    tree = scratch / "tree"
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if not member.startswith("toil/test/") or member in (
                "toil/test/__init__.py", "toil/test/conftest.py",
            ):
                continue
            archive.extract(member, tree)
    return tree / "toil" / "test"


PRELOAD = """\
import pytest

import toil.test  # noqa: F401 (ours, before pytest imports anything under tree/toil)


@pytest.fixture(scope="class")
def rootpath(request):
    request.cls._rootpath = request.config.rootpath
"""


def test_file(test_dir: Path, name: str) -> Path:
    """A test file by its name: toil/test/src/NAME.py, else wherever under toil/test/ it is."""
    path = test_dir / "src" / f"{name}.py"
    found = [path] if path.exists() else sorted(test_dir.rglob(f"{name}.py"))
    if not found:
        raise SystemExit(f"toil-tests: no test file {name}.py in Toil {TOIL_VERSION}'s wheel")
    return found[0]


def run_pytest(test_dir: Path, files: list[str], scratch: Path, jobs_env: dict[str, str]) -> Path:
    """Run the files; pytest's JUnit XML report is the record of outcomes."""
    report = scratch / "report.xml"
    # pytest names a test module after the packages above it: toil.test.src.jobTest, the name
    # workers import it by. Marker __init__.py files make the tree a package; a plugin loaded
    # first imports our toil (and our toil.test, which finds the unpacked files through
    # TOIL_TEST_TREE) first, so the marker files are never imported.
    tree = test_dir.parent.parent
    for marker in (tree / "toil" / "__init__.py", test_dir / "__init__.py"):
        marker.write_text("")
    (scratch / "toil_tests_preload.py").write_text(PRELOAD)
    args = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "toil_tests_preload",
        "--rootdir", str(test_dir.parent.parent),
        "--junitxml", str(report), "-o", "junit_family=xunit1", "--timeout", "600",
        "--continue-on-collection-errors", "-o", "python_classes=Test* *Test",
        *[str(test_file(test_dir, name)) for name in files],
    ]
    path = os.pathsep.join(p for p in (str(scratch), jobs_env.get("PYTHONPATH")) if p)
    subprocess.run(args, cwd=scratch, env=dict(jobs_env, PYTHONPATH=path), check=False)
    return report


def outcomes(report: Path) -> dict[str, tuple[str, str]]:
    """Test id (file::Class::test) -> (passed|failed|skipped, one-line message)."""
    found: dict[str, tuple[str, str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        file = Path(case.get("file") or case.get("classname", "").replace(".", "/")).stem
        cls = (case.get("classname") or "").rsplit(".", 1)[-1]
        key = f"{file}::{cls}::{case.get('name')}"
        state, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                state = "skipped" if tag == "skipped" else "failed"
                message = (node.get("message") or "").strip().splitlines()[0:1]
                message = message[0][:200] if message else ""
                break
        found[key] = (state, message)
    return found


def compare(found: dict[str, tuple[str, str]], baseline: dict[str, str]) -> list[str]:
    """The regressions: tests not in the baseline that did not pass."""
    return [
        f"{key}: {state}: {message}"
        for key, (state, message) in sorted(found.items())
        if state != "passed" and key not in baseline
    ]


def summary(found: dict[str, tuple[str, str]], files: list[str]) -> None:
    per_file: dict[str, Counter[str]] = {name: Counter() for name in files}
    for key, (state, _) in found.items():
        per_file.setdefault(key.split("::")[0], Counter())[state] += 1
    total: Counter[str] = Counter()
    print(f"{'file':32} {'pass':>5} {'fail':>5} {'skip':>5}")
    for name, counts in per_file.items():
        total.update(counts)
        print(f"{name:32} {counts['passed']:5} {counts['failed']:5} {counts['skipped']:5}")
    print(f"{'total':32} {total['passed']:5} {total['failed']:5} {total['skipped']:5}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", help="comma-separated test files (default: the API files)")
    parser.add_argument("--write-baseline", action="store_true",
                        help="record every non-passing test in baseline.yaml with its message")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    files = args.files.split(",") if args.files else API_FILES + DOC_FILES
    cache = Path(os.environ.get("TOIL_TESTS_CACHE", Path.home() / ".cache" / "toil-tests"))
    scratch = Path(tempfile.mkdtemp(prefix="toil-tests-"))
    try:
        test_dir = unpack_tests(fetch_wheel(cache), scratch)
        env = dict(os.environ, TOIL_TEST_TREE=str(test_dir), TOIL_TEST_TEMP=str(scratch / "tmp"))
        found = outcomes(run_pytest(test_dir, files, scratch, env))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    summary(found, files)
    baseline: dict[str, str] = yaml.safe_load(BASELINE.read_text()) or {} if BASELINE.exists() else {}
    if args.write_baseline:
        kept = {k: v for k, v in baseline.items() if k.split("::")[0] not in files}
        kept.update({k: baseline.get(k, m or s) for k, (s, m) in found.items() if s != "passed"})
        BASELINE.write_text(yaml.safe_dump(kept, sort_keys=True, width=200))
        return 0
    fixed = [k for k in baseline if k.split("::")[0] in files and found.get(k, ("",))[0] == "passed"]
    for key in fixed:
        print(f"now passing (remove from the baseline): {key}")
    regressions = compare(found, baseline)
    for line in regressions:
        print(f"REGRESSION {line}")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
