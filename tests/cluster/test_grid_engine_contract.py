"""The batch-system contract against the real single-node Grid Engine (tests/services/sge.sh)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.unit.batch.contract import BatchSystemContract, max_overlap, spec, timed
from toil.batch.grid_engine import GridEngineBatchSystem
from toil.core.batchsystem import AbstractBatchSystem, BatchSystemSettings
from toil.core.requirements import GIB

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("sge_cluster")]

# The contract's jobs ask for 1 MiB; h_vmem limits a shell's virtual memory, which is larger.
MEMORY_FLOOR = 64 * 1024 * 1024


def make_grid_engine(tmp_path: Path, max_cores: float | None = 2, max_memory: int | None = 4 * GIB,
                     **options: object) -> GridEngineBatchSystem:
    namespace = argparse.Namespace(statePollingWait=0.2, batchLogsDir=str(tmp_path / "batch-logs"), **options)
    settings = BatchSystemSettings(max_cores, max_memory, None, str(tmp_path), namespace)
    return GridEngineBatchSystem(settings, memory_floor=MEMORY_FLOOR)


class TestGridEngineContract(BatchSystemContract):
    timeout = 90.0
    kill_grace = 15.0

    def make_batch_system(self, tmp_path: Path, max_cores: float = 2, max_memory: int = 4 * GIB) -> AbstractBatchSystem:
        return make_grid_engine(tmp_path, max_cores, max_memory)

    def test_fractional_cores_share_a_core(self, tmp_path: Path) -> None:
        """As the contract's, with 3 s jobs: Grid Engine dispatches in periodic scheduling runs,
        so jobs submitted 0.2 s apart may start one run (about a second) apart."""
        system = self.batch_system(tmp_path, max_cores=2)
        for index in range(4):
            system.issueBatchJob(spec(timed("sleep 3", tmp_path, index), cores=0.5))
        self.collect(system, 4)
        assert max_overlap(tmp_path) == 4
