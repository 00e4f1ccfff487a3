"""Fuzz our own parsers and translators with hypothesis: bad input may be refused, never crash them.

Each target has the one exception type its callers turn into a clear error line; anything
else escaping is a bug. ``TOIL_FUZZ_EXAMPLES`` sets the examples per target (default 300).
The ``@example`` cases are what earlier passes found (each fixed), kept as regression tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from toil.core import plugins
from toil.core.description import JobDescription, RecordError
from toil.core.jobstore import parse_locator
from toil.core.requirements import (
    RequirementError,
    Requirements,
    human2bytes,
    parse_accelerator,
    parse_bool,
    parse_cores,
    parse_requirements,
)

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("TOIL_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
size_texts = st.one_of(
    st.text(max_size=24),
    st.from_regex(r"\s*-?[0-9]{0,400}\.?[0-9]{0,5}([eE][+-]?[0-9]{1,4})?\s*[KMGTPEkmgtpe]?i?[Bb]?\s*", fullmatch=True),
)
numbers = st.one_of(st.integers(), st.floats(), st.booleans(), st.none())


@FUZZ
@example("1e400")  # found: OverflowError
@given(st.one_of(size_texts, numbers))
def test_sizes(value: Any) -> None:
    try:
        size = human2bytes(value)
    except RequirementError:
        return
    assert isinstance(size, int) and size >= 0


@FUZZ
@given(st.one_of(st.text(max_size=12), numbers))
def test_cores_and_booleans(value: Any) -> None:
    for parse in (parse_cores, parse_bool):
        with contextlib.suppress(RequirementError):
            parse(value)


@FUZZ
@example({"count": None})  # found: TypeError
@example("²")  # found: ValueError (a digit to str.isdigit, not to int)
@given(st.one_of(st.text(max_size=30), numbers, st.dictionaries(
    st.sampled_from(["count", "kind", "model", "brand", "api", "other"]), json_values, max_size=4)))
def test_accelerators(spec: Any) -> None:
    try:
        accelerator = parse_accelerator(spec)
    except RequirementError:
        return
    assert accelerator.count >= 0


@FUZZ
@given(st.dictionaries(st.sampled_from(["cores", "memory", "disk", "accelerators", "preemptible", "gpus"]),
                       st.one_of(size_texts, numbers, json_values), max_size=5))
def test_requirement_dicts(values: dict[str, Any]) -> None:
    with contextlib.suppress(RequirementError):
        parse_requirements(values, Requirements())


@FUZZ
@given(st.one_of(st.text(max_size=40), st.from_regex(r"(file:|aws:|s3:|gs:)?[a-z0-9:/._-]{0,30}", fullmatch=True)))
def test_locators(locator: str) -> None:
    try:
        kind, rest = parse_locator(locator)
    except ValueError:
        return
    assert kind in ("file", "aws") and rest
    with contextlib.suppress(ValueError, plugins.UnknownPluginError):
        plugins.open_job_store(locator)


@FUZZ
@given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode()),
                 st.fixed_dictionaries({"v": st.just(1), "id": st.text(max_size=5), "name": st.text(max_size=5),
                                        "req": json_values, "phases": json_values, "preds": json_values},
                                       optional={"ran": json_values, "promises": json_values,
                                                 "services": json_values}).map(lambda v: json.dumps(v).encode())))
def test_job_records(raw: bytes) -> None:
    with contextlib.suppress(RecordError):
        JobDescription.from_json(raw, where="fuzzed")


# -- WDL input JSON --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wdl_document() -> Any:
    from toil.wdl.load import load_document

    return load_document(str(BAD / "wdl" / "ok.wdl"))


wdl_keys = st.one_of(st.sampled_from(["ok.message", "ok.count", "ok.infile", "ok.numbers", "ok.say.message",
                                      "message", "ok"]), st.text(max_size=10))


@FUZZ
@given(data=st.dictionaries(wdl_keys, json_values, max_size=5))
def test_wdl_inputs(wdl_document: Any, data: dict[str, Any]) -> None:
    from toil.wdl.inputs import bind_inputs
    from toil.wdl.load import WdlError

    with contextlib.suppress(WdlError):
        bind_inputs(wdl_document, data)


@FUZZ
@given(text=st.one_of(st.text(max_size=60).map(lambda t: "{" + t), json_values.map(json.dumps).filter(
    lambda t: t.lstrip().startswith("{"))))
def test_wdl_inline_inputs(text: str) -> None:
    from toil.wdl.inputs import read_inputs
    from toil.wdl.load import WdlError

    try:
        data, _ = read_inputs(text)
    except WdlError:
        return
    assert isinstance(data, dict)


# -- CWL job orders --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cwl_loaded() -> Any:
    from toil.cwl.cli import build_parser
    from toil.cwl.load import load_document

    options = build_parser().parse_args([str(BAD / "cwl" / "ok-tool.cwl"), str(BAD / "cwl" / "job-ok.yml")])
    return load_document(options)


cwl_values = st.one_of(json_values, st.fixed_dictionaries(
    {"class": st.sampled_from(["File", "Directory", "Fil", ""])},
    optional={"path": st.text(alphabet=string.ascii_letters + "/._", max_size=12), "location": st.text(max_size=12),
              "contents": st.text(max_size=5), "basename": st.text(max_size=5), "listing": json_values}))


@FUZZ
@example(job_order={"message": [], "": None})  # found: schema-salad's validator raised IndexError
@given(job_order=st.dictionaries(st.one_of(st.sampled_from(["message", "count", "infile", "color"]),
                                           st.text(max_size=6)), cwl_values, max_size=4))
def test_cwl_job_orders(cwl_loaded: Any, job_order: dict[str, Any]) -> None:
    from cwltool.errors import WorkflowException
    from schema_salad.exceptions import ValidationException

    from toil.cwl.load import check_job_order

    with contextlib.suppress(ValidationException, WorkflowException):
        check_job_order(cwl_loaded, dict(job_order))


@FUZZ
@example(b"[]")  # found: AttributeError ('list' object has no attribute 'pop'), crashing toil check-store
@given(st.one_of(st.binary(max_size=100), json_values.map(lambda v: json.dumps(v).encode()),
                 st.dictionaries(st.sampled_from(["workflow_id", "defaults", "user_paths", "caching", "x"]),
                                 json_values, max_size=5).map(lambda v: json.dumps(v).encode())))
def test_workflow_settings(raw: bytes) -> None:
    from toil.core.settings import WorkflowSettings

    with contextlib.suppress(ValueError):
        WorkflowSettings.from_json(raw)


@FUZZ
@given(st.text(max_size=300), st.text(max_size=20))
def test_folding_cwl_messages(text: str, document: str) -> None:
    from toil.cwl.messages import fold

    line = fold(text)
    assert "\n" not in line and "\r" not in line
