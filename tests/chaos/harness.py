"""Run a workflow as a user would, disturb it, and check that nothing was lost.

Three workflows (``FLAVOURS``): the Python-API ``scripts/pyflow.py``, the CWL
``data/scatter.cwl`` and the WDL ``data/scatter.wdl``. In every one each job (each CWL or
WDL tool run) appends one line ``<label> <text holding its job id> <pid>`` to an effects
file outside the job store when it starts. A job's id is in the line because the worker
runs it in a directory named after it (``<work dir>/toil-<workflow>/<job id>-...``), which is
the tools' working directory, and the Python jobs write ``job.jobStoreID`` themselves.

The promise checked: a job may run again only if it had not committed. After every kill
the test reads which jobs have committed (their records say ``ran``) and how many effect
lines exist; no later line may name a job committed by then.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.support import output_or_fail
from toil.core import plugins
from toil.core.check import StoreReport, check_store
from toil.core.description import JobDescription
from toil.core.jobstore import JobStoreError, NoSuchBlobError
from toil.core.settings import ROOT_KEY

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DATA = HERE / "data"
RUN_TIMEOUT = 120.0
STRAY_GRACE = 10.0
JOB_ID_RE = re.compile(r"j[0-9a-f]{20}")
#: How many times the campaigns repeat (2 by default, about 4 minutes in all; raise it for long runs).
RUNS = max(1, int(os.environ.get("TOIL_CHAOS_RUNS", "2")))
#: The campaigns' random seed (printed, so a failing run can be repeated).
SEED = int(os.environ.get("TOIL_CHAOS_SEED") or random.SystemRandom().randrange(10**6))


def env() -> dict[str, str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return environment


def input_bytes() -> bytes:
    return b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(3000))


# -- the workflows ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Flavour:
    name: str
    argv: Callable[[Case, list[str]], list[str]]  # given the Toil options


def _python_argv(case: Case, options: list[str]) -> list[str]:
    inp = case.directory / "input.bin"
    if not inp.exists():
        inp.write_bytes(input_bytes())
    return [sys.executable, str(HERE / "scripts" / "pyflow.py"), case.job_store, "--effects", str(case.effects),
            "--deferred", str(case.deferred), "--input", str(inp), "--out", str(case.out / "result.txt"),
            "--caching", "true", "--size", str(case.size), *options]


def _cwl_argv(case: Case, options: list[str]) -> list[str]:
    job = case.directory / "job.json"
    items = json.loads((DATA / "scatter-job.json").read_text())["items"]
    job.write_text(json.dumps({"effects": str(case.effects), "items": items}))
    return [sys.executable, "-m", "toil.cwl.cli", "--jobStore", case.job_store, "--outdir", str(case.out),
            *options, str(DATA / "scatter.cwl"), str(job)]


def _wdl_argv(case: Case, options: list[str]) -> list[str]:
    inputs = case.directory / "inputs.json"
    items = json.loads((DATA / "scatter-job.json").read_text())["items"]
    inputs.write_text(json.dumps({"chaos.effects": str(case.effects), "chaos.items": items}))
    return [sys.executable, "-m", "toil.wdl.cli", str(DATA / "scatter.wdl"), str(inputs), "--jobStore",
            case.job_store, "-o", str(case.out), "--container", "none", *options]


FLAVOURS = {f.name: f for f in (Flavour("python", _python_argv), Flavour("cwl", _cwl_argv),
                                Flavour("wdl", _wdl_argv))}


# -- one workflow directory ---------------------------------------------------------------------
@dataclass
class Kill:
    """What the store held when the leader was killed."""

    moment: str
    committed: set[str]
    effect_lines: int
    report: StoreReport | None


@dataclass
class Case:
    flavour: Flavour
    directory: Path
    retry_count: int = 1
    size: int = 20000
    extra: list[str] = field(default_factory=list)
    #: where the job store goes (default: <directory>/store)
    store_at: Path | None = None
    #: a job store locator used instead of the directory (``aws:REGION:NAME`` in the S3 campaigns)
    locator: str | None = None
    runs: int = 0
    kills: list[Kill] = field(default_factory=list)
    stdout: str = ""

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.out.mkdir(exist_ok=True)

    store = property(lambda self: self.store_at or self.directory / "store")
    effects = property(lambda self: self.directory / "effects.txt")
    deferred = property(lambda self: self.directory / "deferred.txt")
    out = property(lambda self: self.directory / "out")
    log = property(lambda self: self.directory / "leader.log")

    @property
    def job_store(self) -> str:
        """What the workflow is given as its job store (a path for the file: store)."""
        return self.locator or str(self.store)

    @property
    def where(self) -> Path | str:
        """The store for open_store: the directory, or the locator."""
        return self.locator or self.store

    def command(self, restart: bool) -> list[str]:
        options = [*(["--restart"] if restart else []), "--clean=never", "--workDir", str(self.directory / "work"),
                   "--retryCount", str(self.retry_count), *self.extra]
        return self.flavour.argv(self, options)

    def launch(self, restart: bool = False, command: list[str] | None = None) -> subprocess.Popen[bytes]:
        self.runs += 1
        (self.directory / "work").mkdir(exist_ok=True)
        argv = command or self.command(restart)
        with open(self.log, "ab") as log:
            log.write(f"==== run {self.runs} at {time.time():.6f}: {' '.join(argv)}\n".encode())
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, cwd=self.directory, env=env())

    def finish(self, process: subprocess.Popen[bytes], timeout: float = RUN_TIMEOUT) -> int:
        self.stdout = output_or_fail(process, timeout, f"[{self.flavour.name}] the run", self.log_tail)
        return process.returncode

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    # -- what the run did ------------------------------------------------------------------
    def effect_lines(self) -> list[tuple[str, str, int]]:
        """(label, job id, pid) of every attempt that started."""
        try:
            text = self.effects.read_text()
        except FileNotFoundError:
            return []
        lines = []
        for line in text.splitlines():
            fields = line.split()
            match = JOB_ID_RE.search(fields[1])
            assert match, f"no job id in the effect line {line!r}"
            lines.append((fields[0], match.group(0), int(fields[2])))
        return lines

    def effect_count(self) -> int:
        try:
            return self.effects.read_bytes().count(b"\n")
        except FileNotFoundError:
            return 0

    def outputs(self) -> dict[str, bytes]:
        """The output files, and the standard output with this directory's path taken out."""
        found = {str(p.relative_to(self.out)): p.read_bytes() for p in sorted(self.out.rglob("*")) if p.is_file()}
        found["<stdout>"] = self.stdout.replace(str(self.directory), "<DIR>").encode()
        return found

    def root_written(self) -> bool:
        if self.locator is None:
            return any(self.store.glob("shared/*/root"))
        try:
            return bool(plugins.open_job_store(self.locator).has("shared", ROOT_KEY))
        except JobStoreError:
            return False

    def store_exists(self) -> bool:
        if self.locator is None:
            return (self.store / ".toil-jobstore").exists()
        return bool(plugins.open_job_store(self.locator).exists())

    def discard(self) -> None:
        """Delete a checked S3 store (buckets are a scarce resource of the test server)."""
        if self.locator is not None and self.store_exists():
            toil_clean(self.locator)


def open_store(path: Path | str):  # type: ignore[no-untyped-def]
    """Open a file: store by its directory, or any store by its locator (a str)."""
    store = plugins.open_job_store(f"file:{path}" if isinstance(path, Path) else path)
    store.resume()
    return store


def committed_jobs(path: Path | str) -> set[str]:
    """The jobs whose records say they ran, read while the workflow goes on.

    A record can go between listing and reading (a failed commit drops its new jobs; the end of
    a run cleans the store): such a job is left out, so the caller's checks cover fewer jobs,
    never wrong ones.
    """
    store = open_store(path)
    done = set()
    for job_id in store.keys("jobs"):
        try:
            record = JobDescription.from_json(store.get("jobs", job_id), where=job_id)
        except NoSuchBlobError:
            continue
        if record.ran:
            done.add(job_id)
    return done


def check_consistent(path: Path | str, finished: bool) -> StoreReport:
    """Fail on any torn or dangling record; a finished workflow leaves nothing unreachable."""
    report = check_store(open_store(path))
    assert not report.errors, f"the job store {path} is damaged: {report.errors}"
    if finished:
        assert report.unreachable_count == 0, f"unreachable records after success: {report.unreachable}"
    return report


# -- processes ------------------------------------------------------------------------------------
def processes_naming(path: Path | str) -> list[int]:
    """Live processes whose command line names path (a leader, its zygote and workers)."""
    needle = os.fsencode(str(path))
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if needle in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def await_gone(case: Case) -> None:
    deadline = time.monotonic() + STRAY_GRACE
    while processes_naming(case.job_store) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = processes_naming(case.job_store)
    assert not left, f"[{case.flavour.name}] processes of the killed leader outlived it: {left}"


def kill_leader(case: Case, process: subprocess.Popen[bytes], moment: str) -> bool:
    """SIGKILL the leader; return False when it had already ended on its own."""
    if process.poll() is not None:
        case.finish(process)
        return False
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    case.finish(process)
    with open(case.log, "ab") as log:
        log.write(f"==== SIGKILL ({moment}) at {time.time():.6f}\n".encode())
    await_gone(case)
    if process.returncode != -signal.SIGKILL:
        return False
    report = None
    committed: set[str] = set()
    if case.store_exists():
        report = check_consistent(case.where, finished=False)
        committed = committed_jobs(case.where)
    case.kills.append(Kill(moment, committed, case.effect_count(), report))
    return True


def wait_until(case: Case, process: subprocess.Popen[bytes], condition: Callable[[], bool],
               timeout: float = RUN_TIMEOUT) -> bool:
    """Poll for condition; False when the run ended first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            return False
        if time.monotonic() > deadline:
            pytest.fail(f"[{case.flavour.name}] the run hung; log:\n{case.log_tail()}")
        time.sleep(0.002)
    return True


# -- the checks -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Baseline:
    outputs: dict[str, bytes]
    labels: Counter[str]
    startup: float  # launch to the root record
    running: float  # root record to the last effect line
    export: float  # last effect line to the leader's exit


def run_baseline(flavour: Flavour, directory: Path, locator: str | None = None) -> Baseline:
    case = Case(flavour, directory, locator=locator)
    launched = time.monotonic()
    process = case.launch()
    wait_until(case, process, case.root_written)
    rooted = time.monotonic()
    total = 0
    last = rooted
    while process.poll() is None:
        count = case.effect_count()
        if count != total:
            total, last = count, time.monotonic()
        time.sleep(0.002)
    ended = time.monotonic()
    assert case.finish(process) == 0, f"[{flavour.name}] the undisturbed run failed:\n{case.log_tail()}"
    labels = Counter(label for label, _, _ in case.effect_lines())
    assert max(labels.values()) == 1, f"an undisturbed run ran a job twice: {labels.most_common(2)}"
    check_consistent(case.where, finished=True)
    case.discard()
    return Baseline(case.outputs(), labels, rooted - launched, last - rooted, ended - last)


def check_outcome(case: Case, baseline: Baseline) -> Counter[str]:
    """Outputs identical, every job ran, no committed job ran again; return runs per label."""
    assert case.outputs() == baseline.outputs, f"[{case.flavour.name}] outputs differ from the undisturbed run"
    lines = case.effect_lines()
    runs = Counter(label for label, _, _ in lines)
    assert set(runs) == set(baseline.labels), f"labels differ: {set(runs) ^ set(baseline.labels)}"
    for number, kill in enumerate(case.kills, 1):
        again = [(label, job_id) for label, job_id, _ in lines[kill.effect_lines:] if job_id in kill.committed]
        assert not again, f"[{case.flavour.name}] committed before kill {number} ({kill.moment}), ran again: {again}"
    check_consistent(case.where, finished=True)
    return runs


def restart_until_done(case: Case, limit: int = 4) -> None:
    """--restart until the workflow succeeds (a run killed before the root existed starts afresh)."""
    for _ in range(limit):
        if case.root_written():
            status = case.finish(case.launch(restart=True))
        else:
            expect_never_started(case)
            status = case.finish(case.launch())
        if status == 0:
            return
    pytest.fail(f"[{case.flavour.name}] --restart never succeeded; log:\n{case.log_tail()}")


def expect_never_started(case: Case) -> None:
    """A leader killed before the workflow existed: --restart says so, deletes nothing; clean up."""
    existed = case.store_exists()
    status = case.finish(case.launch(restart=True))
    tail = case.log_tail(3)
    assert status != 0 and ("never started" in tail or "does not exist" in tail), tail
    assert "Traceback" not in tail, tail
    assert case.store_exists() == existed, "--restart deleted the job store"
    if existed:
        toil_clean(case.job_store)


def toil_clean(job_store: str) -> None:
    clean = subprocess.run([sys.executable, "-m", "toil.cli.main", "clean", job_store], env=env(),
                           capture_output=True, text=True, timeout=60, check=False)
    assert clean.returncode == 0, clean.stderr
