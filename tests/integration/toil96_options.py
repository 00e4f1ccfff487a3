"""List every option of Toil 9.6's three parsers, as JSON on stdout (run as a script, in a subprocess).

Usage: ``python toil96_options.py WHEEL_DIR``, where WHEEL_DIR holds Toil 9.6.0's wheel unpacked.
It imports Toil's own option-adding function (``toil.common.addOptions``) from there and builds
the parser of a Python script, of toil-cwl-runner and of toil-wdl-runner as Toil does. Toil's
runtime dependencies that are not installed here and play no part in its options (its message
bus's pubsub ...) are stood in for by empty modules. Run it with HOME set to a scratch
directory: Toil writes ~/.toil/default.yaml while it builds a parser.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import types
from typing import Any

#: Toil's declared dependencies that its option modules do not use (stood in for when missing)
STANDINS = {"pubsub", "addict", "enlighten", "docker", "dill", "coloredlogs", "prompt_toolkit", "psutil",
            "dateutil"}


class _Empty(types.ModuleType):
    __path__: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {"__init__": lambda *a, **k: None, "__class_getitem__": classmethod(lambda c, i: c)})


class _StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self.present: dict[str, bool] = {}

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        top = name.split(".")[0]
        if top not in STANDINS:
            return None
        if top not in self.present:
            self.present[top] = importlib.machinery.PathFinder.find_spec(top) is not None
        if self.present[top]:
            return None
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec: Any) -> types.ModuleType:
        return _Empty(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


#: values tried, in turn, for an option that takes one; the first Toil's parser accepts is the sample
CANDIDATES = ("true", "1", "0.5", "2G", "A=b", "x", "t2.micro", "cuda", "1:00:00")


def sample_value(checker: Any, action: Any) -> str | None:
    """A value Toil accepts for the option (None for a flag or an option we cannot find one for)."""
    if action.nargs == 0:
        return None
    candidates = [str(action.choices[0])] if action.choices else list(CANDIDATES)
    for candidate in candidates:
        try:
            namespace, rest = checker.parse_known_args([action.option_strings[0], candidate])
        except (SystemExit, Exception):  # noqa: BLE001 - Toil's own converters raise what they raise
            continue
        if not rest:
            return candidate
    return None


def describe(action: Any, checker: Any) -> dict[str, Any]:
    type_name = getattr(action.type, "__name__", None) if action.type is not None else None
    return {
        "flags": list(action.option_strings),
        "dest": action.dest,
        "nargs": action.nargs,
        "takes_value": action.nargs != 0,
        "type": type_name,
        "choices": [str(c) for c in action.choices] if action.choices else None,
        "default": action.default if isinstance(action.default, (str, int, float, bool, type(None))) else
        repr(action.default),
        "group": getattr(action.container, "title", None),
        "sample": sample_value(checker, action),
    }


def options_of(kind: str) -> list[dict[str, Any]]:
    from configargparse import ArgParser

    from toil.common import addOptions

    parser = ArgParser(allow_abbrev=False)
    addOptions(parser, jobstore_as_flag=kind != "script", cwl=kind == "cwl", wdl=kind == "wdl")
    checker = ArgParser(allow_abbrev=False)  # no positional arguments: it parses an option on its own
    addOptions(checker, jobstore_as_flag=True)
    checker.error = _raise  # type: ignore[method-assign]
    return [describe(a, checker) for a in parser._actions
            if a.option_strings and a.dest not in ("help", "config", "config_version", "version")]


def _raise(message: str) -> None:
    raise SystemExit(2)


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    sys.meta_path.insert(0, _StandIns())
    sys.argv = sys.argv[:1]
    print(json.dumps({kind: options_of(kind) for kind in ("script", "cwl", "wdl")}))


if __name__ == "__main__":
    main()
