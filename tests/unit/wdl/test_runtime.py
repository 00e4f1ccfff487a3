"""Task runtime sections to job requirements and behaviour."""

from __future__ import annotations

import pytest

from toil.wdl import container, runtime

GIB = 1024**3


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("local-disk 10 SSD", 10 * GIB),
        ("local-disk 10 HDD, /mnt/data 5 SSD", 15 * GIB),
        ("/mnt 2 LOCAL", 2 * GIB),
        ("10 GiB", 10 * GIB),
        ("3 GB", 3 * 1000**3),
        (4, 4 * GIB),
        (["local-disk 1 SSD", "/b 1 HDD"], 2 * GIB),
        (None, None),
    ],
)
def test_parse_disks(spec: object, expected: int | None) -> None:
    assert runtime.parse_disks(spec) == expected


def test_parse_disks_refuses_a_spec_without_size() -> None:
    with pytest.raises(runtime.RuntimeValueError):
        runtime.parse_disks("local-disk SSD")


def test_memory_and_cores() -> None:
    assert runtime.parse_memory("2 GiB") == 2 * GIB
    assert runtime.parse_memory("100 MB") == 100 * 1000**2
    assert runtime.parse_memory(1024) == 1024
    assert runtime.parse_cores("2") == 2.0
    with pytest.raises(runtime.RuntimeValueError):
        runtime.parse_memory("lots")


def test_requirements_are_clamped_to_limits() -> None:
    found = runtime.requirements({"cpu": 8, "memory": "64 GiB", "disks": "local-disk 1 SSD", "preemptible": 2},
                                 {"cores": 2.0, "memory": 4 * GIB, "disk": None})
    assert found == {"cores": 2.0, "memory": 4 * GIB, "disk": GIB, "preemptible": True}
    heard: list[tuple[str, float, float]] = []
    runtime.requirements({"cpu": 8, "memory": "64 GiB", "disks": "local-disk 1 SSD"},
                         {"cores": 2.0, "memory": 4 * GIB, "disk": 0}, lambda *told: heard.append(told))
    assert heard == [("cores", 8.0, 2.0), ("memory", 64 * GIB, 4 * GIB)], "disk is clamped without a word"


def test_gpu_becomes_an_accelerator() -> None:
    assert runtime.requirements({"gpu": True})["accelerators"] == [{"kind": "gpu", "count": 1}]
    assert "accelerators" not in runtime.requirements({"gpu": False})


def test_return_codes_and_retries() -> None:
    assert runtime.return_codes({}) == {0}
    assert runtime.return_codes({"returnCodes": "*"}) is None
    assert runtime.return_codes({"returnCodes": [0, 1]}) == {0, 1}
    assert runtime.return_codes({"returnCodes": 3}) == {3}
    assert runtime.max_retries({"maxRetries": 2}) == 2
    assert runtime.max_retries({}) == 0


def test_image_and_engine_choice() -> None:
    assert runtime.image({"docker": "ubuntu:22.04"}) == "ubuntu:22.04"
    assert runtime.image({"container": ["a", "b"]}) == "a"
    assert runtime.image({}) is None
    assert container.task_image({"container": "none", "default_image": "x"}, {"docker": "ubuntu"}) is None
    assert container.task_image({"container": "docker", "default_image": None}, {}) is None
    assert container.task_image({"container": "docker", "default_image": "x"}, {}) == "x"
    assert container.task_image({"container": "docker", "default_image": "x"}, {"docker": "ubuntu"}) == "ubuntu"
    assert container.resolve_option("none", "x", True) == {"container": "none", "default_image": None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # what miniwdl 1.16's own parser gives for each
        ("2000", 2000), ("4G", 4 * 1000**3), ("1.5 TiB", int(1.5 * 1024**4)), (" 3  GiB ", 3 * GIB),
        ("10KiB", 10 * 1024), ("7 Ki", 7 * 1024), ("100 MB", 100 * 1000**2), ("1.5Mi", int(1.5 * 1024**2)),
        ("3T", 3 * 1000**4), ("12 B", 12), ("1.", 1), ("1. G", 1000**3), ("0", 0), ("0 XB", 0), ("0.5 K", 500),
    ],
)
def test_parse_byte_size(text: str, expected: int) -> None:
    assert runtime.parse_byte_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", ".5", "1..5", "1.2.3", "5 gb", "5 GiBs", "1e3", "-5 G", "2 GiB extra"])
def test_parse_byte_size_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="invalid byte size"):
        runtime.parse_byte_size(text)
