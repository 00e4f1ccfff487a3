"""Undisturbed runs of the chaos workflows, once per session: what every campaign compares with."""

from __future__ import annotations

import pytest

from tests.chaos import harness


@pytest.fixture(scope="session")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, harness.Baseline]:
    return {name: harness.run_baseline(flavour, tmp_path_factory.mktemp(f"baseline-{name}"))
            for name, flavour in harness.FLAVOURS.items()}
