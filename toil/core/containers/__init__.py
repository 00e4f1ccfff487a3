"""Run a command in a container image, for both front-ends: docker, podman, singularity/apptainer.

The front-ends decide *whether* a step runs in a container and in which image (CWL's
DockerRequirement and flags, WDL's runtime section and ``--container``); this package checks
the engine, makes the image present, spells the engine's command line (mounts, working
directory, environment, limits) and keeps the workflow's record of the images it used.
"""

from toil.core.containers.engines import (
    ENGINE_NAMES,
    DockerEngine,
    Engine,
    PodmanEngine,
    SingularityEngine,
    engine_named,
    first_working,
    working_engine,
)
from toil.core.containers.images import Image, ImageSource, describe, ensure_image, images_used, record_image
from toil.core.containers.spec import (
    ContainerError,
    EngineNotInstalled,
    EngineNotRunning,
    ImageUnavailable,
    Mount,
    RunSpec,
)

__all__ = [
    "ENGINE_NAMES",
    "ContainerError",
    "DockerEngine",
    "Engine",
    "EngineNotInstalled",
    "EngineNotRunning",
    "Image",
    "ImageSource",
    "ImageUnavailable",
    "Mount",
    "PodmanEngine",
    "RunSpec",
    "SingularityEngine",
    "describe",
    "engine_named",
    "ensure_image",
    "first_working",
    "images_used",
    "record_image",
    "working_engine",
]
