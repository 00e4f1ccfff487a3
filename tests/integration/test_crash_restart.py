"""Kill the leader with SIGKILL at several moments, then ``--restart`` until the workflow ends.

The workflow (``crash_workflow.py``, 208 jobs) appends ``<label> <pid> ...`` to an effects file
from every job. The leader is killed once 5, 20, 35, 50, 70 and 90 % of the jobs have started
(plus a random 0-30 ms), and once while the start-up job graph is being written; at 50 % the
first restart is killed too. After each kill the test checks that the leader's zygote and
workers died with it, reads which jobs had committed (records with ``"ran": true`` under
``<store>/jobs``; the label is the record's display name), restarts, and at the end checks that

- the result equals the undisturbed run's,
- every job's label is in the effects file at least once, and
- no job that had committed before a kill runs after it: a job committed before the first
  kill is in the file exactly once (jobs cut off by a kill may be there twice).

The single_machine batch system forks a zygote and the workers from the leader, so they share
its command line; finding none of them in /proc after the kill shows they died with it.
"""

from __future__ import annotations

import glob
import json
import os
import random
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
from toil.core.description import JobDescription

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

SCRIPT = Path(__file__).with_name("crash_workflow.py")
RUN_TIMEOUT = 60.0  # a run that takes longer has hung
STRAY_GRACE = 5.0  # how long the zygote and workers may outlive a killed leader
POLL = 0.001
#: Kill moments: fractions of the workflow's jobs started (see kill_at_fraction).
FRACTIONS = [0.05, 0.2, 0.35, 0.5, 0.7, 0.9]
#: For this fraction the first restart is killed too, once half its remaining work is done.
KILL_RESTART_TOO = 0.5
#: More options for every run when debugging, e.g. CRASH_TEST_OPTIONS=--logDebug.
EXTRA = os.environ.get("CRASH_TEST_OPTIONS", "").split()


# -- looking at a run from outside -----------------------------------------------------------
def effect_lines(effects: Path) -> list[tuple[str, int]]:
    try:
        text = effects.read_text()
    except FileNotFoundError:
        return []
    lines = [line.split() for line in text.splitlines()]
    return [(fields[0], int(fields[1])) for fields in lines]


def effect_count(effects: Path) -> int:
    try:
        with open(effects, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def root_written(store: Path) -> bool:
    return bool(glob.glob(f"{store}/shared/*/root"))


def graph_being_written(store: Path) -> bool:
    """True once the first job of the start-up graph is stored (a small body travels in its record)."""
    return bool(glob.glob(f"{store}/bodies/*/*") or glob.glob(f"{store}/jobs/*/*"))


def processes_of(store: Path) -> dict[int, str]:
    """Live processes whose command line names the store: the leader, its zygote and workers.

    The zygote and the workers are forked from the leader, so they share its command line.
    """
    needle = os.fsencode(store)
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue  # gone meanwhile
        if needle in cmdline:
            found[int(entry)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def await_no_processes(store: Path, effects: Path) -> float:
    """Wait until nothing of the killed leader runs; return how long that took."""
    start = time.monotonic()
    while processes_of(store):
        if time.monotonic() - start > STRAY_GRACE:
            break
        time.sleep(0.01)
    left = processes_of(store)
    worker_pids = {pid for _, pid in effect_lines(effects)}
    assert not left, (
        f"{len(left)} processes of the killed leader still run after {STRAY_GRACE} s "
        f"(workers among them: {sorted(worker_pids & set(left))}): {left}"
    )
    return time.monotonic() - start


def read_records(store: Path) -> list[JobDescription]:
    """Every job record (a committed one holds its creation and commit versions: the newest counts)."""
    records = []
    for path in glob.glob(f"{store}/jobs/*/*"):
        if "~" in os.path.basename(path):
            continue  # a write cut short by the kill: never part of the store
        with open(path, "rb") as f:
            raw = f.read()
        records.append(JobDescription.from_json(raw, where=path))
    return records


def committed_jobs(store: Path) -> dict[str, str]:
    """Job id -> label of every committed job (its display name, which defaults to its name)."""
    return {r.job_id: r.display_name or r.name for r in read_records(store) if r.ran}


# -- running the workflow ---------------------------------------------------------------------
@dataclass
class Workflow:
    directory: Path
    store: Path = field(init=False)
    effects: Path = field(init=False)
    log: Path = field(init=False)
    runs: int = 0

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.store = self.directory / "store"
        self.effects = self.directory / "effects.txt"
        self.log = self.directory / "leader.log"

    def launch(self, restart: bool = False) -> subprocess.Popen[bytes]:
        self.runs += 1
        command = [
            sys.executable, str(SCRIPT), str(self.store), "--effects", str(self.effects),
            "--clean=never", "--workDir", str(self.directory / "work"), *EXTRA,
        ]
        if restart:
            command.append("--restart")
        with open(self.log, "ab") as log:
            log.write(f"==== run {self.runs} at {time.time():.6f}: {' '.join(command)}\n".encode())
            log.flush()
            return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, cwd=self.directory)

    def finish(self, process: subprocess.Popen[bytes]) -> tuple[int, str]:
        out = output_or_fail(process, RUN_TIMEOUT, "the workflow", self.log_tail)
        return process.returncode, out

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait_for(self, condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
        """Poll until condition holds; fail if the run ends or hangs first."""
        deadline = time.monotonic() + RUN_TIMEOUT
        while not condition():
            if process.poll() is not None or time.monotonic() > deadline:
                state = "hung" if process.poll() is None else f"ended with status {process.returncode}"
                pytest.fail(f"the moment to kill the leader never came: the run {state}; "
                            f"leader log:\n{self.log_tail()}")
            time.sleep(POLL)

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        killed = time.time()
        process.wait(timeout=10)
        with open(self.log, "ab") as log:
            log.write(f"==== SIGKILL to {process.pid} at {killed:.6f}\n".encode())
        if process.returncode != -signal.SIGKILL:
            pytest.fail(
                f"the leader ended on its own (status {process.returncode}) before the kill; "
                f"leader log:\n{self.log_tail()}"
            )


@dataclass(frozen=True)
class Baseline:
    result: list[str]
    labels: Counter[str]
    startup: float  # seconds from launch to the root record
    duration: float  # seconds from the root record to the leader's exit


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """Run the workflow once undisturbed: the expected result, labels and timings."""
    workflow = Workflow(tmp_path_factory.mktemp("baseline"))
    launched = time.monotonic()
    process = workflow.launch()
    workflow.wait_for(lambda: root_written(workflow.store), process)
    rooted = time.monotonic()
    seen: set[int] = set()
    while process.poll() is None:
        seen.update(processes_of(workflow.store))
        time.sleep(0.01)
    ended = time.monotonic()
    status, out = workflow.finish(process)
    assert status == 0, f"the undisturbed run failed; leader log:\n{workflow.log_tail()}"
    # The zygote and the workers must be visible to processes_of, else the checks after a kill are void.
    workers = {pid for _, pid in effect_lines(workflow.effects)}
    assert seen & workers, "processes_of() never saw a worker of the running workflow"
    assert len(seen - workers - {process.pid}) >= 1, "processes_of() never saw the zygote"
    labels = Counter(label for label, _ in effect_lines(workflow.effects))
    assert max(labels.values()) == 1, f"an undisturbed run ran jobs twice: {labels.most_common(3)}"
    assert len(labels) >= 200
    result = json.loads(out)
    assert result == sorted(label for label in labels if label not in {"root", "final"} and "static" not in label)
    print(f"\n[baseline] {len(labels)} jobs; {rooted - launched:.2f} s to the root record, "
          f"{ended - rooted:.2f} s from there to the end")
    return Baseline(result, labels, rooted - launched, ended - rooted)


@dataclass
class Crash:
    """What one kill left: who had committed, how much had run."""

    committed: dict[str, str]  # job id -> label
    effect_lines: int
    records: int  # job records in the store
    bodies: int  # job bodies in the store
    root_written: bool
    stray_wait: float  # seconds the zygote and workers took to die after the leader


def crash(workflow: Workflow, process: subprocess.Popen[bytes]) -> Crash:
    """Kill the leader, wait for the rest to die, and take stock of the store."""
    workflow.kill(process)
    stray_wait = await_no_processes(workflow.store, workflow.effects)
    return Crash(
        committed=committed_jobs(workflow.store),
        effect_lines=effect_count(workflow.effects),
        records=len(read_records(workflow.store)),
        bodies=len([p for p in glob.glob(f"{workflow.store}/bodies/*/*") if "~" not in os.path.basename(p)]),
        root_written=root_written(workflow.store),
        stray_wait=stray_wait,
    )


def kill_at_fraction(workflow: Workflow, baseline: Baseline, fraction: float) -> Crash:
    """Kill once the given fraction of the jobs has started, plus a random 0-30 ms.

    Progress, not wall time, picks the moment, so the moments stay spread over the run on a
    busy machine; the random delay lands the kill anywhere in a job's life (running,
    committing, being reported) or in the leader's scheduling.
    """
    delay = random.Random(f"crash {fraction}").uniform(0.0, 0.030)
    process = workflow.launch()
    target = max(1, round(fraction * len(baseline.labels)))
    workflow.wait_for(lambda: effect_count(workflow.effects) >= target, process)
    time.sleep(delay)
    return crash(workflow, process)


def kill_at_startup(workflow: Workflow) -> Crash:
    process = workflow.launch()
    workflow.wait_for(lambda: graph_being_written(workflow.store), process)
    return crash(workflow, process)


def restart_to_end(workflow: Workflow, crashes: list[Crash], kill_after: int | None = None) -> str:
    """Restart until the workflow succeeds; with kill_after, kill the first restart once it
    has run that many jobs."""
    if kill_after is not None:
        process = workflow.launch(restart=True)
        target = effect_count(workflow.effects) + kill_after
        workflow.wait_for(lambda: effect_count(workflow.effects) >= target, process)
        crashes.append(crash(workflow, process))
    process = workflow.launch(restart=True)
    status, out = workflow.finish(process)
    assert status == 0, f"the restart failed (status {status}); leader log:\n{workflow.log_tail()}"
    assert not processes_of(workflow.store), "the leader exited but left processes behind"
    return out


def check_effects(workflow: Workflow, baseline: Baseline, crashes: list[Crash]) -> Counter[str]:
    """Check the effects file against the crashes; return how often each job ran."""
    lines = [label for label, _ in effect_lines(workflow.effects)]
    runs = Counter(lines)
    missing = set(baseline.labels) - set(runs)
    assert not missing, f"jobs that never ran: {sorted(missing)}"
    assert set(runs) == set(baseline.labels), f"unknown labels: {sorted(set(runs) - set(baseline.labels))}"
    for number, c in enumerate(crashes, 1):
        after = Counter(lines[c.effect_lines:])
        again = {label: after[label] for label in c.committed.values() if after[label]}
        assert not again, f"jobs committed before kill {number} ran again after it: {again}"
    # Before the first kill nothing failed, so a job that had committed ran exactly once.
    twice = {label: runs[label] for label in crashes[0].committed.values() if runs[label] != 1}
    assert not twice, f"jobs committed before the first kill ran more than once: {twice}"
    # A committed record is final: a restart never rewrites or replaces it.
    final_records = {record.job_id: record for record in read_records(workflow.store)}
    for c in crashes:
        for job_id, label in c.committed.items():
            assert final_records[job_id].ran, f"committed job {label} {job_id} lost its commit"
    return runs


def report(name: str, crashes: list[Crash], runs: Counter[str], elapsed: float) -> None:
    kills = "; ".join(
        f"{len(c.committed)}/{c.records} records committed ({c.bodies} bodies), {c.effect_lines} effect lines, "
        f"zygote and workers gone in {c.stray_wait:.2f} s"
        for c in crashes
    )
    twice = sum(1 for n in runs.values() if n > 1)
    print(f"\n[{name}] {kills}; {twice} jobs ran twice; {elapsed:.1f} s")


# -- the tests --------------------------------------------------------------------------------
@pytest.mark.parametrize("fraction", FRACTIONS, ids=[f"at-{f:.2f}" for f in FRACTIONS])
def test_kill_leader_then_restart(tmp_path: Path, baseline: Baseline, fraction: float) -> None:
    started = time.monotonic()
    workflow = Workflow(tmp_path)
    crashes = [kill_at_fraction(workflow, baseline, fraction)]
    assert crashes[0].root_written
    kill_after = None
    if fraction == KILL_RESTART_TOO:
        not_run = set(baseline.labels) - {label for label, _ in effect_lines(workflow.effects)}
        kill_after = max(1, len(not_run) // 2)
    out = restart_to_end(workflow, crashes, kill_after)
    assert json.loads(out) == baseline.result
    runs = check_effects(workflow, baseline, crashes)
    report(f"at {fraction:.2f}", crashes, runs, time.monotonic() - started)


def test_kill_leader_while_writing_the_graph(tmp_path: Path, baseline: Baseline) -> None:
    """Kill as soon as the first job body is stored, while the start-up job graph is written."""
    started = time.monotonic()
    workflow = Workflow(tmp_path)
    crashes = [kill_at_startup(workflow)]
    assert not any(c.committed for c in crashes), "jobs committed before the graph was written"
    if crashes[0].root_written:
        out = restart_to_end(workflow, crashes)
    else:
        # The workflow never started: --restart must say so, and nothing may have run.
        status, _ = workflow.finish(workflow.launch(restart=True))
        assert status != 0
        assert "never started" in workflow.log_tail(5), workflow.log_tail()
        assert effect_count(workflow.effects) == 0
        clean = subprocess.run([sys.executable, "-m", "toil.cli.main", "clean", str(workflow.store)],
                               capture_output=True, text=True, timeout=RUN_TIMEOUT)
        assert clean.returncode == 0, clean.stderr
        status, out = workflow.finish(workflow.launch())
        assert status == 0, f"a fresh start after the early crash failed; leader log:\n{workflow.log_tail()}"
    assert json.loads(out) == baseline.result
    runs = check_effects(workflow, baseline, crashes)
    report(f"start-up (root written: {crashes[0].root_written})", crashes, runs, time.monotonic() - started)
