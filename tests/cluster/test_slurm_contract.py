"""The batch-system contract against the real single-node Slurm (tests/services/slurm.sh)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.unit.batch.contract import BatchSystemContract
from toil.batch.slurm import SlurmBatchSystem
from toil.core.batchsystem import AbstractBatchSystem, BatchSystemSettings
from toil.core.requirements import GIB

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("slurm_cluster")]

# The contract's jobs ask for 1 MiB; a shell needs a few, and this Slurm enforces memory.
MEMORY_FLOOR = 64 * 1024 * 1024


def make_slurm(tmp_path: Path, max_cores: float | None = 2, max_memory: int | None = 4 * GIB,
               **options: object) -> SlurmBatchSystem:
    namespace = argparse.Namespace(statePollingWait=0.2, batchLogsDir=str(tmp_path / "batch-logs"), **options)
    settings = BatchSystemSettings(max_cores, max_memory, None, str(tmp_path), namespace)
    return SlurmBatchSystem(settings, memory_floor=MEMORY_FLOOR)


class TestSlurmContract(BatchSystemContract):
    timeout = 60.0
    kill_grace = 15.0

    def make_batch_system(self, tmp_path: Path, max_cores: float = 2, max_memory: int = 4 * GIB) -> AbstractBatchSystem:
        return make_slurm(tmp_path, max_cores, max_memory)
