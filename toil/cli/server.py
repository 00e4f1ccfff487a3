"""``toil server``: a GA4GH WES 1.1 server for CWL, WDL and Python workflows (see toil.server)."""

from __future__ import annotations

import argparse

from toil.cli.common import CommandError


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("server", help="Serve the GA4GH Workflow Execution Service (WES) API.")
    from toil.server.options import add_arguments

    add_arguments(parser)
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    try:
        from toil.server.serve import ServerError, serve
    except ImportError as e:
        raise CommandError(f"toil server needs its extra packages (pip install 'toil[server]'): {e}") from None
    try:
        return serve(options)
    except ServerError as e:
        raise CommandError(str(e)) from None
