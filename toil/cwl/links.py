"""How values flow along workflow links: linkMerge, pickValue and defaults (as cwltool does)."""

from __future__ import annotations

import copy
from typing import Any


class LinkError(Exception):
    """Values on a link do not fit what the link asks (pickValue, linkMerge)."""


def merge(values: list[Any], link_merge: str | None) -> Any:
    """Combine the values of a parameter's sources.

    With no linkMerge (one source), the value itself; merge_nested makes a list of the
    values; merge_flattened concatenates lists and appends other values.
    """
    if link_merge is None:
        return copy.deepcopy(values[-1]) if values else None
    if link_merge == "merge_nested":
        return [copy.deepcopy(v) for v in values]
    if link_merge == "merge_flattened":
        merged: list[Any] = []
        for value in values:
            if isinstance(value, list):
                merged.extend(copy.deepcopy(value))
            else:
                merged.append(copy.deepcopy(value))
        return merged
    raise LinkError(f"Unrecognized linkMerge '{link_merge}'")


def pick(value: Any, pick_value: str | None, name: str) -> Any:
    """Apply pickValue to a list of values (anything else passes unchanged)."""
    if pick_value is None or not isinstance(value, list):
        return value
    present = [v for v in value if v is not None]
    if pick_value == "first_non_null":
        if not present:
            raise LinkError(f"All sources for '{name}' are null")
        return present[0]
    if pick_value == "the_only_non_null":
        if len(present) != 1:
            if not present:
                raise LinkError(f"All sources for '{name}' are null")
            raise LinkError(f"Expected only one source for '{name}' to be non-null, got {value}")
        return present[0]
    if pick_value == "all_non_null":
        return present
    raise LinkError(f"Unrecognized pickValue '{pick_value}'")


def parameter_value(parameter: dict[str, Any], values: list[Any] | None, source_field: str = "source") -> Any:
    """The value of a step input or workflow output given its sources' values.

    ``values`` is None when the parameter has no source.
    """
    name = str(parameter.get("id", "")).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    value: Any = None
    if values is not None:
        sources = parameter.get(source_field)
        count = len(sources) if isinstance(sources, list) else 1
        link_merge = parameter.get("linkMerge", "merge_nested" if count > 1 else None)
        value = merge(values, link_merge)
        value = pick(value, parameter.get("pickValue"), name)
    if value is None and "default" in parameter:
        value = copy.deepcopy(parameter["default"])
    return value


def shortname(ident: str) -> str:
    """The last part of a CWL id (after '#', and after the last '/')."""
    fragment = ident.rsplit("#", 1)[-1]
    return fragment.rsplit("/", 1)[-1]
