"""``toil config FILE``: write a config file of every option, commented out, with its default.

The options are those of a Python workflow's parser: Toil's base options and, as Toil writes
them, those of toil-cwl-runner and toil-wdl-runner (each parser ignores the others'). Uncomment a
line to set an option; give the file with ``--config FILE``, or put it at
``~/.toil/default.yaml`` to apply it to every run.
"""

from __future__ import annotations

import argparse
from typing import Any

from toil.cli.common import CommandError
from toil.core.config_file import write_config
from toil.core.options import default_argument_parser


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("config", help="Write a config file with every option and its default.",
                                 description=__doc__.splitlines()[0])
    parser.add_argument("output", metavar="FILE", help="Where to write the YAML config file.")
    parser.set_defaults(func=run)


def run(options: argparse.Namespace) -> int:
    try:
        write_config(options.output, [default_argument_parser(jobstore_as_flag=True)])
    except OSError as e:
        raise CommandError(f"cannot write {options.output}: {e.strerror or e}") from None
    return 0
