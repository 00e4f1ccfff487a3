"""Boolean options with an optional value never swallow the positional argument after them."""

from __future__ import annotations

import argparse

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
