"""Command-line options of the job stores, importable without the stores themselves.

The option parser of every command lists every plugin's options; importing a store (the S3
one pulls in its client code) only to add them slowed every start.
"""

from __future__ import annotations

import argparse


def add_s3_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("S3 job store (aws:REGION:NAME)")
    group.add_argument("--sseKey", default=None, metavar="FILE",
                       help="Encrypt the S3 job store server-side with the 32-byte key in FILE (SSE-C). "
                            "Workers read the key from the same path.")
