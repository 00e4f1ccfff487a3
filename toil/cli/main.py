"""The ``toil`` command: utilities that act on a job store."""

from __future__ import annotations

import argparse
import sys

from toil.core import plugins
from toil.core.jobstore import JobStoreError, NotAJobStoreError
from toil.version import version


def _clean(options: argparse.Namespace) -> int:
    """Delete a job store and everything in it."""
    try:
        store = plugins.open_job_store(options.jobStore)
    except (ValueError, plugins.UnknownPluginError) as e:
        raise SystemExit(f"toil clean: error: {e}") from None
    if not store.exists():
        try:
            store.resume()
        except NotAJobStoreError as e:
            raise SystemExit(f"toil clean: error: {e}") from None
        except JobStoreError:
            print(f"The job store {options.jobStore} does not exist; nothing to clean.", file=sys.stderr)
            return 0
    store.destroy()
    print(f"Deleted the job store {options.jobStore}.", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toil", description="Toil utilities.")
    parser.add_argument("--version", action="version", version=version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    clean = commands.add_parser("clean", help="Delete a job store and everything in it.")
    clean.add_argument("jobStore", help="The job store to delete.")
    clean.set_defaults(func=_clean)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        result: int = options.func(options)
    except JobStoreError as e:
        raise SystemExit(f"toil {options.command}: error: {e}") from None
    return result


if __name__ == "__main__":
    sys.exit(main())
