"""A DockerRequirement as the core's image source."""

from __future__ import annotations

from pathlib import Path

from toil.cwl.container import image_source


def test_cwl_docker_requirement_fields(tmp_path: Path) -> None:
    (tmp_path / "image.tar").write_text("")
    assert image_source({"dockerPull": "debian:12"}).name == "debian:12"
    both = image_source({"dockerPull": "a:1", "dockerImageId": "b:2"}, force_pull=True)
    assert (both.name, both.pull, both.force_pull) == ("b:2", "a:1", True)
    built = image_source({"dockerFile": "FROM x\n"})
    assert built.name.startswith("toil-cwl-image:") and built.dockerfile == "FROM x\n"
    loaded = image_source({"dockerLoad": "image.tar", "dockerImageId": "c:3"}, base=str(tmp_path))
    assert loaded.load == str(tmp_path / "image.tar")
    assert image_source({"dockerImport": "https://example.org/r.tar"}).import_from == "https://example.org/r.tar"
