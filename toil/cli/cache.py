"""``toil cache list|check|prune DIR``: look after a call cache (``--cachedir``, miniwdl's ``[call_cache] dir``)."""

from __future__ import annotations

import argparse
import os
import time

from toil.cli.common import CommandError
from toil.core.callcache import CallCache
from toil.core.requirements import human2bytes


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("cache", help="List, verify or prune the entries of a call cache directory.")
    parser.add_argument("action", choices=("list", "check", "prune"),
                        help="list: one line per entry; check: verify every entry, dropping those whose files "
                             "changed or vanished; prune: drop least recently used entries down to --maxSize.")
    parser.add_argument("directory", help="The call cache directory.")
    parser.add_argument("--maxSize", default=None, metavar="BYTES",
                        help="For prune: the size to keep (e.g. 10G); least recently used entries go first.")
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    if not os.path.isdir(os.path.join(options.directory, "entries")):
        raise CommandError(f"{options.directory} is not a call cache directory")
    cache = CallCache(options.directory)
    try:
        if options.action == "list":
            for key, record in cache.entries():
                used = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(cache.last_used(key)))
                print(f"{key[:16]}\t{record.get('step', '?')}\t{cache.entry_size(key)}\t{used}")
        elif options.action == "check":
            problems = cache.check()
            for key, problem in problems:
                print(f"{key[:16]}\t{problem}")
            print(f"{len(problems)} entries dropped")
        else:
            if options.maxSize is None:
                raise CommandError("prune needs --maxSize")
            try:
                limit = human2bytes(options.maxSize)
            except ValueError as e:
                raise CommandError(f"--maxSize: {e}") from None
            print(f"{len(cache.prune(limit))} entries dropped")
    finally:
        cache.close()
    return 0
