"""Requirement parsing and arithmetic."""

from __future__ import annotations

import pytest

from toil.core.requirements import (
    GIB,
    Accelerator,
    RequirementError,
    Requirements,
    bytes2human,
    human2bytes,
    parse_accelerator,
    parse_bool,
    parse_cores,
    parse_requirements,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        (1024, 1024),
        (1.5, 1),
        ("2G", 2 * 1000**3),
        ("2g", 2 * 1000**3),
        ("2GB", 2 * 1000**3),
        ("2Gi", 2 * 1024**3),
        ("2GiB", 2 * 1024**3),
        ("1.5Gi", int(1.5 * 1024**3)),
        ("512M", 512 * 1000**2),
        ("512Mi", 512 * 1024**2),
        ("1K", 1000),
        ("1Ki", 1024),
        ("3T", 3 * 1000**4),
        ("1e3", 1000),
        (" 10 Mi ", 10 * 1024**2),
        ("100B", 100),
    ],
)
def test_sizes(text: object, expected: int) -> None:
    assert human2bytes(text) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["lots", "", "G", "1X", "-1", "1.2.3", "1 G G", True])
def test_bad_sizes_name_the_value(text: object) -> None:
    with pytest.raises(RequirementError) as info:
        human2bytes(text)  # type: ignore[arg-type]
    assert str(text) in str(info.value)


def test_bytes2human_round_numbers() -> None:
    assert bytes2human(100) == "100 B"
    assert bytes2human(2 * GIB) == "2.0 GiB"
    assert bytes2human(1536 * 1024) == "1.5 MiB"


def test_cores_may_be_fractional() -> None:
    assert parse_cores("0.5") == 0.5
    assert parse_cores(2) == 2.0
    for bad in ("many", -1, True, float("nan")):
        with pytest.raises(RequirementError):
            parse_cores(bad)


def test_booleans() -> None:
    assert parse_bool("True") and parse_bool("yes") and parse_bool(1) is True
    assert not parse_bool("false") and not parse_bool("0")
    with pytest.raises(RequirementError):
        parse_bool("perhaps")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("gpu", Accelerator(1)),
        ("gpu:2", Accelerator(2)),
        (3, Accelerator(3)),
        ("2", Accelerator(2)),
        ("cuda:2", Accelerator(2, api="cuda", brand="nvidia")),
        ("nvidia-tesla-k80", Accelerator(1, model="nvidia-tesla-k80", brand="nvidia")),
        ({"count": 4, "kind": "gpu", "brand": "amd"}, Accelerator(4, brand="amd")),
    ],
)
def test_accelerators(spec: object, expected: Accelerator) -> None:
    assert parse_accelerator(spec) == expected


@pytest.mark.parametrize("spec", ["gpu:x", {"count": 1, "colour": "red"}, -1, {"count": -2}])
def test_bad_accelerators(spec: object) -> None:
    with pytest.raises(RequirementError):
        parse_accelerator(spec)


def test_defaults_are_toils() -> None:
    defaults = Requirements()
    assert (defaults.cores, defaults.memory, defaults.disk) == (1.0, 2 * GIB, 2 * GIB)
    assert defaults.accelerators == () and defaults.preemptible is False


def test_parse_requirements_keeps_defaults_for_missing_values() -> None:
    defaults = Requirements(cores=2, memory=100, disk=200)
    parsed = parse_requirements({"memory": "1Ki", "preemptable": "true", "accelerators": "cuda:1"}, defaults)
    assert parsed.cores == 2 and parsed.memory == 1024 and parsed.disk == 200
    assert parsed.preemptible is True
    assert parsed.accelerator_count == 1


def test_fits_in() -> None:
    machine = Requirements(cores=2, memory=4 * GIB, disk=10 * GIB)
    assert Requirements(cores=0.5, memory=GIB, disk=GIB).fits_in(machine)
    assert Requirements(cores=2, memory=4 * GIB, disk=10 * GIB).fits_in(machine)
    assert not Requirements(cores=2.5, memory=GIB, disk=GIB).fits_in(machine)
    assert not Requirements(cores=1, memory=5 * GIB, disk=GIB).fits_in(machine)
    assert not Requirements(cores=1, memory=GIB, disk=GIB, accelerators=(Accelerator(1),)).fits_in(machine)


def test_round_trip_through_records() -> None:
    original = Requirements(cores=0.25, memory=123, disk=456, accelerators=(Accelerator(2, api="cuda"),),
                            preemptible=True)
    assert Requirements.from_dict(original.to_dict()) == original


@pytest.mark.parametrize("text", ["1e400", "9" * 400, "1e300Ei"])
def test_sizes_too_large_are_refused_not_overflowed(text: str) -> None:
    """Found by the fuzz pass (tests/fuzz): int() of an infinite float raised OverflowError."""
    with pytest.raises(RequirementError, match="too large"):
        human2bytes(text)


@pytest.mark.parametrize("count", [None, "x", 1.5, float("inf"), [], True])
def test_accelerator_counts_that_are_no_whole_number_are_refused(count: object) -> None:
    """Found by the fuzz pass: {'count': None} raised TypeError, {'count': inf} OverflowError."""
    with pytest.raises(RequirementError, match="accelerator count"):
        parse_accelerator({"count": count})
    assert parse_accelerator({"count": 2.0}).count == parse_accelerator({"count": "2"}).count == 2
