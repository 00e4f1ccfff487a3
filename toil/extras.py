"""The optional parts of the package and the libraries each needs (pyproject.toml's extras)."""

from __future__ import annotations

import importlib.util
import sys

#: extra -> {module it imports: the package that provides it}
NEEDS = {
    "cwl": {"cwltool": "cwltool", "schema_salad": "schema-salad", "cwl_utils": "cwl-utils"},
    "wdl": {"WDL": "miniwdl"},
}


def require(prog: str, extra: str) -> None:
    """Exit with one line when a library the extra needs is not installed (rather than a traceback)."""
    missing = [package for module, package in NEEDS[extra].items() if importlib.util.find_spec(module) is None]
    if missing:
        print(f"{prog}: error: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed; "
              f"install this runner's extra: pip install 'toil[{extra}]'", file=sys.stderr)
        sys.exit(1)
