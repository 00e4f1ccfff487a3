"""Image handling against a real Docker engine: local, built, loaded, imported, pulled (and failing to)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from toil.core.containers import ImageSource, ImageUnavailable, ensure_image, images_used, record_image, working_engine
from toil.core.containers.images import Image, describe
from toil.stores.file import FileJobStore

pytestmark = pytest.mark.integration


def docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def tag() -> Iterator[str]:
    """A fresh image name, removed afterwards."""
    name = f"toil-test-{uuid.uuid4().hex[:10]}:1"
    yield name
    docker("image", "rm", "--force", name)


def test_local_image_is_used_without_pulling() -> None:
    image = ensure_image(working_engine("docker"), ImageSource("docker.io/debian:stable-slim",
                                                                pull="docker.io/debian:stable-slim"))
    assert image.source == "local"
    assert image.image_id == docker("image", "inspect", "--format", "{{.Id}}", "debian:stable-slim").stdout.strip()


def test_missing_image_that_cannot_be_pulled(tag: str) -> None:
    with pytest.raises(ImageUnavailable) as caught:
        ensure_image(working_engine("docker"), ImageSource(tag, pull=tag))
    message = str(caught.value)
    assert message.startswith(f"docker image '{tag}' is not present locally and could not be pulled: ")
    assert "\n" not in message


def test_dockerfile_is_built(tag: str, tmp_path: Path) -> None:
    dockerfile = "FROM debian:stable-slim\nRUN echo built > /built.txt\n"
    image = ensure_image(working_engine("docker"), ImageSource(tag, dockerfile=dockerfile), str(tmp_path))
    assert image.source == "built"
    assert docker("run", "--rm", tag, "cat", "/built.txt").stdout == "built\n"


def test_saved_image_is_loaded(tag: str, tmp_path: Path) -> None:
    assert docker("tag", "debian:stable-slim", tag).returncode == 0
    archive = tmp_path / "saved.tar"
    assert docker("save", "--output", str(archive), tag).returncode == 0
    assert docker("image", "rm", tag).returncode == 0
    image = ensure_image(working_engine("docker"), ImageSource(tag, load=str(archive)), str(tmp_path))
    assert image.source == "loaded"


def test_root_filesystem_is_imported(tag: str, tmp_path: Path) -> None:
    container = docker("create", "debian:stable-slim", "true").stdout.strip()
    archive = tmp_path / "rootfs.tar"
    try:
        assert docker("export", "--output", str(archive), container).returncode == 0
    finally:
        docker("rm", container)
    image = ensure_image(working_engine("docker"), ImageSource(tag, import_from=str(archive)))
    assert image.source == "imported"
    assert docker("run", "--rm", tag, "cat", "/etc/debian_version").returncode == 0


def test_workflow_record_of_images(tmp_path: Path) -> None:
    store = FileJobStore(f"file:{tmp_path / 'store'}", str(tmp_path / "store"))
    store.create()
    first = Image("debian:stable-slim", "sha256:" + "a" * 64, "docker", "local")
    second = Image("bash:4.4", "sha256:" + "b" * 64, "docker", "built")
    for image in (first, second, first):
        record_image(store, image)
    assert images_used(store) == [second, first]
    assert describe([first]) == "debian:stable-slim (docker sha256:aaaaaaaaaaaa, local)"
