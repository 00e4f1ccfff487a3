"""Images: use the local one, else build, load, import or pull it; remember which ids a workflow used."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import urllib.request
from dataclasses import asdict, dataclass

from toil.core.containers.engines import Engine, SingularityEngine, last_line
from toil.core.containers.spec import ImageUnavailable
from toil.core.jobstore import AbstractJobStore

RECORD_PREFIX = "container-image-"
MAX_REASON = 300


@dataclass(frozen=True)
class ImageSource:
    """Where an image comes from (CWL's DockerRequirement fields; WDL's runtime image is ``name``/``pull``).

    ``name`` is what the command runs in (dockerImageId, else dockerPull). ``dockerfile`` is built
    and tagged ``name``; ``load`` is a ``docker save`` tarball and ``import_from`` a root filesystem
    tarball (paths or http(s) URLs); ``pull`` is fetched from a registry when nothing else applies.
    """

    name: str
    pull: str | None = None
    dockerfile: str | None = None
    load: str | None = None
    import_from: str | None = None
    force_pull: bool = False


@dataclass(frozen=True)
class Image:
    """An image ready to run, as the workflow's record keeps it."""

    name: str
    image_id: str
    engine: str
    source: str  # local, built, loaded, imported or pulled


_ready: dict[tuple[str, str], Image] = {}
_ready_lock = threading.Lock()


def ensure_image(engine: Engine, source: ImageSource, scratch: str | None = None) -> Image:
    """The image, made present: the local one unless a pull is forced, else built/loaded/imported/pulled.

    Raises ImageUnavailable (one line naming the image) when none of that works.
    """
    key = (engine.name, source.name)
    with _ready_lock:
        if key in _ready and not source.force_pull:
            return _ready[key]
    image = _obtain(engine, source, scratch or tempfile.gettempdir())
    with _ready_lock:
        _ready[key] = image
    return image


def _obtain(engine: Engine, source: ImageSource, scratch: str) -> Image:
    if isinstance(engine, SingularityEngine):
        # singularity fetches and converts docker:// images itself, into its own cache, when it runs them.
        return Image(source.name, engine.image_ref(source.name), engine.name, "engine cache")
    if source.dockerfile is not None:
        _build(engine, source, scratch)
        return _present(engine, source, "built")
    local = local_image_id(engine, source.name)
    if local and not source.force_pull:
        return Image(source.name, local, engine.name, "local")
    if source.load:
        _load(engine, source, scratch)
        return _present(engine, source, "loaded")
    if source.import_from:
        _command(engine, source.name, "could not be imported from " + source.import_from,
                 "import", source.import_from, source.name)
        return _present(engine, source, "imported")
    if source.pull:
        _command(engine, source.pull, "is not present locally and could not be pulled", "pull", source.pull)
        return _present(engine, source, "pulled")
    if local:
        return Image(source.name, local, engine.name, "local")
    raise ImageUnavailable(f"{engine.name} image '{source.name}' is not present locally and nothing says where "
                           "to get it")


def local_image_id(engine: Engine, name: str) -> str | None:
    done = engine.runner([engine.executable, "image", "inspect", "--format", "{{.Id}}", name])
    if done.returncode != 0:
        return None
    image_id = last_line(done.stdout)
    if image_id and ":" not in image_id:
        image_id = "sha256:" + image_id  # podman prints the bare digest, docker the algorithm too
    return image_id or None


def _present(engine: Engine, source: ImageSource, how: str) -> Image:
    image_id = local_image_id(engine, source.name)
    if image_id is None:
        raise ImageUnavailable(f"{engine.name} image '{source.name}' is still missing after it was {how}")
    return Image(source.name, image_id, engine.name, how)


def _command(engine: Engine, image: str, failure: str, *args: str) -> None:
    done = engine.runner([engine.executable, *args])
    if done.returncode != 0:
        why = last_line(done.stderr) or last_line(done.stdout) or f"exit status {done.returncode}"
        raise ImageUnavailable(f"{engine.name} image '{image}' {failure}: {why[:MAX_REASON]}")


def _build(engine: Engine, source: ImageSource, scratch: str) -> None:
    os.makedirs(scratch, exist_ok=True)
    context = tempfile.mkdtemp(prefix="dockerfile-", dir=scratch)
    try:
        with open(os.path.join(context, "Dockerfile"), "w") as handle:
            handle.write(source.dockerfile or "")
        _command(engine, source.name, "could not be built from its Dockerfile", "build", "--quiet",
                 f"--tag={source.name}", context)
    finally:
        shutil.rmtree(context, ignore_errors=True)


def _load(engine: Engine, source: ImageSource, scratch: str) -> None:
    path = str(source.load)
    downloaded = None
    if path.startswith(("http://", "https://")):
        os.makedirs(scratch, exist_ok=True)
        handle, downloaded = tempfile.mkstemp(prefix="image-", suffix=".tar", dir=scratch)
        try:
            with os.fdopen(handle, "wb") as out, urllib.request.urlopen(path, timeout=60) as response:
                shutil.copyfileobj(response, out)
        except OSError as e:
            os.unlink(downloaded)
            raise ImageUnavailable(
                f"{engine.name} image '{source.name}' could not be downloaded from {path}: {e}") from None
        path = downloaded
    elif path.startswith("file://"):
        path = path[len("file://"):]
    try:
        _command(engine, source.name, f"could not be loaded from {source.load}", "load", "--input", path)
    finally:
        if downloaded:
            os.unlink(downloaded)


# -- the workflow's record of the images it ran in --------------------------------------------------
def record_image(store: AbstractJobStore, image: Image) -> None:
    """Keep ``image`` in the job store's record of the images this workflow used (idempotent)."""
    digest = hashlib.sha1(f"{image.engine}\0{image.name}".encode()).hexdigest()[:20]
    store.put("shared", RECORD_PREFIX + digest, json.dumps(asdict(image), sort_keys=True).encode())


def images_used(store: AbstractJobStore) -> list[Image]:
    """Every image the workflow's jobs recorded, by name."""
    found = []
    for key in store.keys("shared"):
        if key.startswith(RECORD_PREFIX):
            found.append(Image(**json.loads(store.get("shared", key))))
    return sorted(found, key=lambda image: (image.name, image.engine))


def describe(images: list[Image]) -> str:
    """One line: ``name (id, how)`` for each image."""
    return "; ".join(f"{i.name} ({i.engine} {i.image_id[:19]}, {i.source})" for i in images)
