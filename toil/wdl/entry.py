"""``toil-wdl-runner``'s entry point: refuse in one line when miniwdl is missing, then run the runner."""

from __future__ import annotations

from toil.extras import require


def main() -> int:
    require("toil-wdl-runner", "wdl")
    from toil.wdl.cli import main as run

    return run()
