"""One meaning for each kind of option word, whichever option or plugin reads it."""

from __future__ import annotations

import argparse
import logging

import pytest

from toil.core import optiontypes


def test_level_numbers() -> None:
    assert optiontypes.level_number("OFF") > logging.CRITICAL
    assert optiontypes.level_number("debug") == logging.DEBUG
    assert optiontypes.level_number("nonsense") == logging.INFO


def test_booleans_and_sizes_refuse_through_argparse() -> None:
    assert optiontypes.boolean("yes") is True and optiontypes.boolean("off") is False
    assert optiontypes.log_size("-2Ki") == -2048 and optiontypes.log_size("1K") == 1000
    for parse, word in ((optiontypes.boolean, "maybe"), (optiontypes.size, "2 parsecs"),
                        (optiontypes.duration, "0"), (optiontypes.count, "-1"), (optiontypes.log_level, "LOUD")):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(word)
