"""Toil's ``Job.Runner``: option parsing and starting a workflow from a script.

``toil.job`` binds it as ``Job.Runner``: the job API (``toil.core.job``) sits below the
options and the Toil context, so it cannot name them itself. The imports wait for the
first call: a worker that imports a user's module (and through it ``toil.job``) never
needs the leader's side.
"""

from __future__ import annotations

import argparse
from typing import Any

from toil.core.job import Job


class Runner:
    """Toil's helpers for scripts: option parsing and starting a workflow."""

    @staticmethod
    def getDefaultArgumentParser(jobstore_as_flag: bool = False) -> argparse.ArgumentParser:
        from toil.core.options import default_argument_parser

        return default_argument_parser(jobstore_as_flag=jobstore_as_flag)

    @staticmethod
    def getDefaultOptions(jobStore: str | None = None, jobstore_as_flag: bool = False) -> argparse.Namespace:
        from toil.core.options import default_options

        return default_options(jobStore, jobstore_as_flag=jobstore_as_flag)

    @staticmethod
    def addToilOptions(parser: Any, jobstore_as_flag: bool = False) -> None:
        from toil.core.options import add_toil_options

        add_toil_options(parser, jobstore_as_flag=jobstore_as_flag)

    @staticmethod
    def startToil(job: Job, options: argparse.Namespace) -> Any:
        from toil.core.toil import Toil

        with Toil(options) as toil:
            if getattr(options, "restart", False):
                return toil.restart()
            return toil.start(job)
