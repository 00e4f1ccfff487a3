"""The ``toil`` command: utilities that act on a job store.

Each subcommand lives in its own module with ``add_parser(commands)`` and ``run(options)``.
"""

from __future__ import annotations

import argparse
import sys

from toil.cli import cache, check_store, clean, config, debug_job, kill, report, server, stats, status
from toil.cli.common import CommandError
from toil.core.jobstore import JobStoreError
from toil.version import version

SUBCOMMANDS = (status, stats, clean, kill, debug_job, check_store, report, server, cache, config)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toil", description="Toil utilities.")
    parser.add_argument("--version", action="version", version=version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for module in SUBCOMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        result: int = options.func(options)
    except (CommandError, JobStoreError) as e:
        raise SystemExit(f"toil {options.command}: error: {e}") from None
    return result


if __name__ == "__main__":
    sys.exit(main())
