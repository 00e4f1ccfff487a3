"""parse_locator: job-store locators to (kind, rest)."""

from __future__ import annotations

import pytest

from toil.core.jobstore import parse_locator


@pytest.mark.parametrize(
    ("locator", "expected"),
    [
        ("file:/abs/store", ("file", "/abs/store")),
        ("file:rel/store", ("file", "rel/store")),
        ("file:///abs/store", ("file", "/abs/store")),
        ("file://rel", ("file", "rel")),
        ("/abs/store", ("file", "/abs/store")),
        ("./store", ("file", "./store")),
        ("store", ("file", "store")),
        ("rel/sub/store", ("file", "rel/sub/store")),
        ("../up/store", ("file", "../up/store")),
        ("/tmp/with:colon", ("file", "/tmp/with:colon")),
        ("./a:b", ("file", "./a:b")),
        ("C:store", ("file", "C:store")),  # a one-letter head is a drive letter, not a kind
        ("aws:us-east-1:name", ("aws", "us-east-1:name")),
        ("aws:eu-west-2:my-workflow-store", ("aws", "eu-west-2:my-workflow-store")),
    ],
)
def test_valid_locators(locator: str, expected: tuple[str, str]) -> None:
    assert parse_locator(locator) == expected


@pytest.mark.parametrize("locator", ["aws:", "aws:us-east-1", "aws:us-east-1:", "aws::name", "aws:::"])
def test_bad_aws_locators(locator: str) -> None:
    with pytest.raises(ValueError, match="aws:REGION:NAME"):
        parse_locator(locator)


@pytest.mark.parametrize("locator", ["gs:bucket", "google:project:store", "http://host/store", "azure:acct:store"])
def test_unknown_kinds(locator: str) -> None:
    kind = locator.split(":", 1)[0]
    with pytest.raises(ValueError, match=f"unknown kind '{kind}'"):
        parse_locator(locator)


@pytest.mark.parametrize("locator", ["file:", "file://"])
def test_file_locator_without_path(locator: str) -> None:
    with pytest.raises(ValueError, match="names no path"):
        parse_locator(locator)


def test_empty_locator() -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_locator("")


def test_error_messages_are_one_line() -> None:
    for locator in ["", "gs:b", "aws:x", "file:"]:
        with pytest.raises(ValueError) as info:
            parse_locator(locator)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("locator", ["s3://bucket/store", "s3:bucket", "gs2:bucket"])
def test_kinds_with_digits_are_unknown_kinds(locator: str) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        parse_locator(locator)
