"""Rewrite a suite WDL file for another WDL version, line by line, as the suite's README describes.

The suite's files follow a fixed layout, so the rewrite is textual: replace the
``version`` line (draft-2 has none); for draft-2 also drop the ``input {`` ... ``}``
wrapper and turn ``~{`` into ``${`` inside ``command`` sections; for 1.0 and draft-2 turn
``container:`` into ``docker:`` inside ``runtime`` sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

VERSIONS = ["draft-2", "1.0", "1.1", "1.2", "development"]


def version_of(lines: list[str]) -> str:
    """The version a WDL text declares (draft-2 when its first code line is no version line)."""
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        for version in VERSIONS[1:]:
            if text.startswith("version") and text.split()[1:2] == [version]:
                return version
        return "draft-2"
    return "draft-2"


def at_most(version: str, target: str) -> bool:
    return VERSIONS.index(version) <= VERSIONS.index(target)


def replace_version(lines: Iterable[str], target: str) -> Iterator[str]:
    """Drop comments and blank lines before the first code line; swap the version line."""
    started = False
    for line in lines:
        if not started:
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            started = True
            if target != "draft-2":
                yield f"version {target}\n"
            if text.startswith("version "):
                continue
        yield line


def remove_input_wrapper(lines: Iterable[str]) -> Iterator[str]:
    inside = False
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text == "input {":
            inside = True
            continue
        if inside and text == "}":
            inside = False
            continue
        yield line


def draft2_placeholders(lines: Iterable[str]) -> Iterator[str]:
    inside = False
    for line in lines:
        text = line.strip()
        if not inside:
            inside = text in ("command <<<", "command {")
            yield line
            continue
        if text in (">>>", "}"):
            inside = False
        yield line.replace("~{", "${")


def docker_runtime(lines: Iterable[str]) -> Iterator[str]:
    inside = False
    for line in lines:
        if not inside:
            inside = line.strip() == "runtime {"
            yield line
            continue
        if line.strip() == "}":
            inside = False
        at = line.find("container")
        yield line[:at] + "docker" + line[at + len("container"):] if at > 0 else line


def rewrite(text: str, target: str) -> str:
    """The WDL text rewritten for target (unchanged when it already is that version)."""
    lines = text.splitlines(keepends=True)
    if version_of(lines) == target:
        return text
    out: Iterable[str] = replace_version(lines, target)
    if at_most(target, "draft-2"):
        out = draft2_placeholders(remove_input_wrapper(out))
    if at_most(target, "1.0"):
        out = docker_runtime(out)
    return "".join(out)
