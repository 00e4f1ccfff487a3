"""The job store's filesystem fills up mid-run; once space is freed, ``--restart`` finishes the job.

The store lives on a small tmpfs mounted for the test (CI runs as root). At a random moment
a ballast file takes every free byte; the leader must then end (a clear error, no hang), the
store must stay consistent, and after the ballast is deleted ``--restart`` must finish with
outputs byte-identical to an undisturbed run's and no committed job run again.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos import harness
from tests.chaos.harness import FLAVOURS, RUNS, SEED, Baseline, Case, Kill

pytestmark = [pytest.mark.chaos, pytest.mark.integration, pytest.mark.slow]

FS_SIZE = "24m"


@contextlib.contextmanager
def small_filesystem(path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("the disk-full campaign mounts a tmpfs and must run as root (CI does)")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FS_SIZE}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory: Path) -> int:
    """Write a ballast file until the filesystem is full; return its size."""
    ballast = directory / "ballast"
    written = 0
    with open(ballast, "wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 12, 1):
            block = b"\0" * chunk
            while True:
                try:
                    written += f.write(block)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return written


@pytest.mark.parametrize("name", sorted(FLAVOURS))
def test_disk_fills_up_then_restart(name: str, tmp_path: Path, baselines: dict[str, Baseline]) -> None:
    baseline = baselines[name]
    rng = random.Random(f"{SEED}-disk-{name}")
    outcomes = []
    for run in range(RUNS):
        with small_filesystem(tmp_path / f"fs{run}") as fs:
            case = Case(FLAVOURS[name], tmp_path / f"run{run}", store_at=fs / "store")
            process = case.launch()
            target = rng.randint(1, len(baseline.labels))
            harness.wait_until(case, process, lambda: case.effect_count() >= target)  # noqa: B023 - called at once
            time.sleep(rng.uniform(0.0, 0.05))
            ballast = fill(fs)
            status = case.finish(process)  # a hang fails here
            tail = case.log_tail(4)
            committed = harness.committed_jobs(case.store)
            case.kills.append(Kill(f"disk full after {target} jobs", committed, case.effect_count(), None))
            if status != 0:
                assert "Traceback" not in tail, f"[{name}] the leader crashed on a full disk:\n{tail}"
            harness.check_consistent(case.store, finished=status == 0)
            (fs / "ballast").unlink()
            if status != 0:
                harness.restart_until_done(case)
            harness.check_outcome(case, baseline)
            outcomes.append(f"{ballast >> 10} KiB ballast after {target} jobs: "
                            f"{'failed, restarted' if status else 'finished anyway'}")
    print(f"\n[disk full {name}] seed {SEED}: " + "; ".join(outcomes))
