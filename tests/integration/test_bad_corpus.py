"""The bad-input corpus: every case in tests/data/bad/MANIFEST fails clearly and harms no job store.

A case passes when its command exits non-zero, prints no traceback, and prints exactly one
``PROGRAM: error: ...`` line, last, that contains the manifest's fragment (for documents,
the fragment names the file and, where there is one, the line). Cases with the ``store``
setup run against a copy of a finished workflow's job store, which must be byte-for-byte
the same afterwards (bar the empty lock file a leader opens to try its lock).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.corpus]

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "tests" / "data" / "bad"
ERROR_LINE = re.compile(r"^[^\s:][^:]*: error: ")
TIMEOUT = 120


@dataclass(frozen=True)
class BadCase:
    name: str
    setup: str
    command: str
    fragment: str


def load_manifest(path: Path = BAD / "MANIFEST") -> list[BadCase]:
    cases = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [field.strip() for field in line.split(" | ")]
        assert len(fields) == 4, f"MANIFEST:{number}: expected 'ID | SETUP | COMMAND | FRAGMENT'"
        assert fields[1] in ("-", "store"), f"MANIFEST:{number}: unknown setup {fields[1]!r}"
        cases.append(BadCase(*fields))
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "duplicate case ids in the MANIFEST"
    return cases


CASES = load_manifest()


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def argv(case: BadCase, tmp: Path, store: Path) -> list[str]:
    programs = {
        "{cwl}": [sys.executable, "-m", "toil.cwl.cli"],
        "{wdl}": [sys.executable, "-m", "toil.wdl.cli"],
        "{toil}": [sys.executable, "-m", "toil.cli.main"],
        "{py}": [sys.executable],
    }
    words: list[str] = []
    for word in shlex.split(case.command):
        if word in programs:
            words += programs[word]
        else:
            words.append(word.replace("{data}", str(BAD)).replace("{tmp}", str(tmp)).replace("{store}", str(store)))
    return words


def digests(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file() and p.name != ".leader.lock"}


@pytest.fixture(scope="session")
def finished_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A job store whose workflow finished (kept with --clean=never)."""
    store = tmp_path_factory.mktemp("finished") / "store"
    done = subprocess.run([sys.executable, str(BAD / "python" / "misuse.py"), str(store), "--case", "ok",
                           "--clean=never"], env=environment(), capture_output=True, text=True, timeout=TIMEOUT,
                          check=False)
    assert done.returncode == 0 and "RESULT fine" in done.stdout, done.stderr
    return store


def check_clear_failure(case: BadCase, proc: subprocess.CompletedProcess[str]) -> None:
    shown = f"{case.name}: exit {proc.returncode}\nstderr:\n{proc.stderr}"
    assert proc.returncode != 0, shown
    own = [line for line in proc.stderr.splitlines() if not line.startswith("\t")]  # tab: a job's log
    assert not any("Traceback" in line for line in own), shown
    errors = [line for line in own if ERROR_LINE.match(line)]
    assert len(errors) == 1, f"expected one error line; {shown}"
    assert [line for line in own if line.strip()][-1] == errors[0], f"the error line is not the last; {shown}"
    assert case.fragment in errors[0], f"{case.fragment!r} is not in the error line {errors[0]!r}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: BadCase, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    store = tmp_path / "store"
    before: dict[str, str] = {}
    if case.setup == "store":
        shutil.copytree(request.getfixturevalue("finished_store"), store)
        before = digests(store)
    proc = subprocess.run(argv(case, tmp_path, store), cwd=tmp_path, env=environment(), capture_output=True,
                          text=True, timeout=TIMEOUT, check=False)
    check_clear_failure(case, proc)
    if case.setup == "store":
        after = digests(store)
        # A restart may add the record of its own run (what `toil report` reads); nothing else may change.
        added = {key for key in after.keys() - before.keys() if key.rsplit("/", 1)[-1].startswith("job-records-")}
        assert {key: after[key] for key in after.keys() - added} == before, "the job store changed"


def test_the_corpus_is_large_enough() -> None:
    kinds = {case.name.split("-")[0] for case in CASES}
    assert len(CASES) >= 60 and {"cwl", "wdl", "py", "opt"} <= kinds
