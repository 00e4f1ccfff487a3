"""What a container run needs, independent of the engine, and the errors users see."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from toil.core.errors import ToilError


class ContainerError(ToilError):
    """A container could not be run; the message is one line naming the engine or the image."""


class EngineNotInstalled(ContainerError):
    """The engine's command is not on PATH."""


class EngineNotRunning(ContainerError):
    """The engine is installed but does not answer (no daemon, no permission, a broken setup)."""


class ImageUnavailable(ContainerError):
    """The image is not here and could not be pulled, built, loaded or imported."""


@dataclass(frozen=True)
class Mount:
    """A host path bound into the container; read-only unless ``writable``."""

    source: str
    target: str
    writable: bool = False


def current_user() -> tuple[int, int]:
    return os.getuid(), os.getgid()


@dataclass
class RunSpec:
    """One command's container: image, mounts, working directory, environment and limits.

    ``entrypoint`` None keeps the image's ENTRYPOINT (CWL runs the tool through it); "" clears it.
    ``user`` None runs as the image's user; by default the caller's uid:gid, so outputs belong to them.
    ``cpus``/``memory`` (bytes) are limits, applied where the engine supports them.
    """

    image: str
    workdir: str | None = None
    mounts: list[Mount] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: str | None = None
    user: tuple[int, int] | None = field(default_factory=current_user)
    network: bool = True
    read_only_root: bool = False
    cpus: float | None = None
    memory: int | None = None
    gpus: int | None = None
    interactive: bool = True

    def mount(self, source: str, target: str | None = None, writable: bool = False) -> None:
        """Bind ``source`` at ``target`` (default: the same path)."""
        self.mounts.append(Mount(source, target or source, writable))
