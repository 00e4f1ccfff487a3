"""Config files as Toil has them: YAML read by configargparse, ``~/.toil/default.yaml``, ``toil config``.

Every parser built here reads ``~/.toil/default.yaml`` (created, every option commented out with
its default, the first time a parser is built, as Toil does) and a ``--config FILE`` of the same
format: a key is an option's long name without the dashes (``retryCount: 3``); the command line
wins over the file, the file over the defaults.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterable
from typing import Any

import configargparse
import yaml

CONFIG_VERSION = "1.0"
HEADER = ("This is the configuration file for Toil. To set an option, uncomment it and set its value. "
          "The values shown are the defaults. Write a fresh one with `toil config FILE`.")


def toil_home() -> str:
    return os.path.join(os.path.expanduser("~"), ".toil")


def default_config_path() -> str:
    return os.path.join(toil_home(), "default.yaml")


def new_parser(**kwargs: Any) -> argparse.ArgumentParser:
    """A configargparse parser (an ArgumentParser) that reads YAML config files (Toil's format)."""
    parser: argparse.ArgumentParser = configargparse.ArgParser(
        config_file_parser_class=configargparse.YAMLConfigFileParser, **kwargs)
    return parser


def use_config_files(parser: argparse.ArgumentParser, config_option: str = "--config") -> None:
    """Give a configargparse parser ``--config FILE`` and ``~/.toil/default.yaml`` (created when missing).

    A plain argparse parser gets neither (Toil warns and goes on the same way).
    """
    if not isinstance(parser, configargparse.ArgParser):
        return
    path = default_config_path()
    parser._config_file_parser = configargparse.YAMLConfigFileParser()
    parser._default_config_files = [path]
    parser.add_argument(config_option, is_config_file_arg=True, metavar="FILE",
                        help="Read options from this YAML file (keys are option names without the dashes).")
    parser.add_argument("--config_version", default=None, help=argparse.SUPPRESS)


def reads_config_files(parser: argparse.ArgumentParser, words: list[str]) -> bool:
    """Whether parsing these words involves a config file: --config, or a default file that sets something.

    configargparse costs tens of milliseconds a parse (it scans the command line once per option),
    so a parse with no config file to read is left to argparse alone.
    """
    if not isinstance(parser, configargparse.ArgParser):
        return False
    if any(len(word.split("=")[0]) > 3 and "--config".startswith(word.split("=")[0]) for word in words):
        return True
    for path in parser._default_config_files:
        try:
            with open(os.path.expanduser(path)) as handle:
                if any(_sets_something(line) for line in handle):
                    return True
        except OSError:
            continue
    return False


def _sets_something(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#") and not text.startswith("config_version:") and text != "---"


def ensure_default_config(parsers: Iterable[argparse.ArgumentParser]) -> None:
    """Write ``~/.toil/default.yaml`` unless it exists (a file that cannot be written is left to Toil's users)."""
    path = default_config_path()
    if os.path.exists(path):
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_config(path, parsers)
    except OSError:
        pass  # a read-only home: runs go on without a default config file


def _entries(parser: argparse.ArgumentParser) -> Iterable[tuple[str, str, Any]]:
    """(group title, key, default) of each option a config file may set."""
    for group in parser._action_groups:
        for action in group._group_actions:
            longs = [f for f in action.option_strings if f.startswith("--")]
            if not longs or action.dest in ("help", "config_version") or action.default is argparse.SUPPRESS \
                    or getattr(action, "is_config_file_arg", False) \
                    or isinstance(action, (argparse._VersionAction, argparse._HelpAction)):
                continue
            default = False if action.nargs == 0 else action.default
            if not isinstance(default, (str, int, float, bool, type(None), list)):
                default = str(default)
            yield group.title or "", longs[0][2:], default


def config_text(parsers: Iterable[argparse.ArgumentParser]) -> str:
    """Every option of the parsers, commented out, with its default, under its group's title."""
    lines = [f"# {HEADER}", f"config_version: {CONFIG_VERSION}"]
    seen: set[str] = set()
    title = None
    for parser in parsers:
        for group, key, default in _entries(parser):
            if key in seen:
                continue
            seen.add(key)
            if group != title:
                lines += ["", f"# {group}"]
                title = group
            text = yaml.safe_dump({key: default}, default_flow_style=True, width=1_000_000).strip()
            lines.append(f"#{text[1:-1] if text.startswith('{') else text}")
    return "\n".join(lines) + "\n"


def write_config(path: str, parsers: Iterable[argparse.ArgumentParser]) -> None:
    """Write the config file atomically: nobody sees it half written."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".toil-config-")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(config_text(parsers))
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise
