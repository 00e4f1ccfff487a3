"""A runner whose extra is not installed says so in one line, not a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.integration.support import REPO

HIDE = """
import importlib.util, sys
real = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name in {hidden!r} else real(name, *a)
sys.argv = [{prog!r}, "wf", "inputs"]
from {module} import main
main()
"""


@pytest.mark.parametrize("prog, module, hidden, package, extra", [
    ("toil-cwl-runner", "toil.cwl.cli", ("cwltool",), "cwltool", "cwl"),
    ("toil-wdl-runner", "toil.wdl.entry", ("WDL",), "miniwdl", "wdl"),
])
def test_a_missing_extra_is_one_error_line(prog: str, module: str, hidden: tuple[str, ...], package: str,
                                           extra: str) -> None:
    code = HIDE.format(hidden=set(hidden), prog=prog, module=module)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip() == (f"{prog}: error: {package} is not installed; install this runner's extra: "
                                   f"pip install 'toil[{extra}]'")
