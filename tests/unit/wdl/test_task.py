"""A task's command text as it runs: its common indentation taken off, as miniwdl does."""

from __future__ import annotations

import pytest

from toil.wdl.task import dedent


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("\n    echo a\n      echo b\n    ", "\necho a\n  echo b\n    "),  # blank lines keep theirs
        ("\techo a\n\t\techo b", "echo a\n\techo b"),
        ("  \techo a\n\t  echo b", "echo a\necho b"),  # characters are counted, not columns
        ("echo a\n    echo b", "echo a\n    echo b"),
        ("", ""),
        ("   \n  ", "   \n  "),
    ],
)
def test_dedent(command: str, expected: str) -> None:
    assert dedent(command) == expected
