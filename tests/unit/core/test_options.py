"""Core options: declared once with their defaults; boolean flags never swallow the positional after them."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable

import pytest

from toil.core.options import add_toil_options


def parser_with_positionals() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="runner")
    parser.add_argument("document")
    parser.add_argument("inputs", nargs="?")
    add_toil_options(parser, jobstore_as_flag=True)
    return parser


@pytest.mark.parametrize(
    ("words", "restart", "stats"),
    [
        (["--restart", "wf.cwl", "job.yml"], True, False),  # found by the chaos harness: 'wf.cwl' is not a boolean
        (["--jobStore", "js", "--restart", "--stats", "wf.cwl"], True, True),
        (["wf.cwl", "--restart", "false"], False, False),
        (["wf.cwl", "--restart=no", "--stats", "yes"], False, True),
        (["wf.cwl", "job.yml", "--restart"], True, False),
    ],
)
def test_flags_take_only_boolean_words(words: list[str], restart: bool, stats: bool) -> None:
    options = parser_with_positionals().parse_args(words)
    assert (options.restart, options.stats) == (restart, stats)
    assert options.document == "wf.cwl"


def test_a_non_boolean_after_a_flag_is_a_positional() -> None:
    options = parser_with_positionals().parse_args(["--caching", "wf.cwl", "job.yml"])
    assert options.caching is True and options.inputs == "job.yml"
    with pytest.raises(SystemExit):
        parser_with_positionals().parse_args(["--restart=maybe", "wf.cwl"])


def test_the_light_option_hooks_add_what_the_plugins_themselves_add() -> None:
    """Options come from OPTION_HOOKS so that a start need not import every plugin: they must agree."""
    from toil.core import plugins

    def flags(add: Callable[[argparse.ArgumentParser], None]) -> set[str]:
        parser = argparse.ArgumentParser()
        add(parser)
        return {flag for action in parser._actions for flag in action.option_strings}

    for name, hook in plugins.OPTION_HOOKS.items():
        cls = plugins.batch_system_class(name) if name in plugins.BATCH_SYSTEMS else plugins.job_store_class(name)
        assert flags(plugins._load(hook)) == flags(cls.add_options), name
    assert set(plugins.BATCH_SYSTEMS) <= set(plugins.OPTION_HOOKS), "a built-in batch system without a hook"


def test_each_default_is_the_declared_one_whoever_built_the_namespace() -> None:
    """A namespace from Toil's parser and one that lacks every option give the same Config."""
    from toil.core import options as core_options

    parser = core_options.default_argument_parser(jobstore_as_flag=True)
    declared = (*core_options.CORE_OPTIONS, *core_options.RESOURCE_OPTIONS, core_options.LOG_LEVEL,
                core_options.KILL_POLLING_INTERVAL)
    for option in declared:
        assert parser.get_default(option.name) == option.default, option.name
    parsed = core_options.Config.from_options(parser.parse_args(["--jobStore", "js"]))
    bare = core_options.Config.from_options(argparse.Namespace(jobStore="js"))
    assert parsed == dataclasses.replace(bare, options=parsed.options)
    assert (bare.deadlock_wait, bare.batch_system, bare.clean) == (60.0, "single_machine", "onSuccess")


def test_batch_systems_say_whether_jobs_run_here() -> None:
    from toil.core import plugins

    assert plugins.runs_jobs_here(None) and plugins.runs_jobs_here("singleMachine")
    assert not plugins.runs_jobs_here("slurm") and not plugins.runs_jobs_here("no-such-system")
