"""Which tasks run in a container, in which image, and the container they get (through toil.core.containers).

``--container ENGINE`` runs every task in a container: in the image its runtime section names, else
in the default image (``--default-container``, ubuntu:22.04 as miniwdl's default). ``auto`` uses
the first engine that works here, for the tasks that name an image only; ``none`` runs every task
on the host.

A task's directory (inputs, the command script, ``write_*`` files) is mounted read-only at the
same path inside, its working directory (where outputs go) and temporary directory writable, so
paths need no translation; input files kept elsewhere (``--referenceInputs``) are mounted
read-only where they are.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from typing import Any

import WDL

from toil.core.containers import (
    ENGINE_NAMES,
    ImageSource,
    RunSpec,
    engine_named,
    ensure_image,
    first_working,
    record_image,
    working_engine,
)
from toil.wdl import runtime

DEFAULT_IMAGE = "ubuntu:22.04"


def resolve_option(option: str, default_image: str | None, names_image: bool) -> dict[str, Any]:
    """The job options for ``--container``: an engine (checked now) or "none", and the default image."""
    if option == "none":
        return {"container": "none", "default_image": None}
    if option == "auto":
        engine = first_working(ENGINE_NAMES) if names_image or default_image else None
        return {"container": engine.name if engine else "none", "default_image": default_image}
    working_engine(option)  # raises one line naming the engine when it is missing or not running
    return {"container": option, "default_image": default_image or DEFAULT_IMAGE}


def prepare_images(options: dict[str, Any], tasks: Iterable[WDL.Tree.Task]) -> None:
    """Make present now the images tasks name as plain strings (and the default image, if used)."""
    if options.get("container", "none") == "none":
        return
    engine = engine_named(options["container"])
    wanted = set()
    for task in tasks:
        image = literal_image(task)
        if image:
            wanted.add(image)
        elif not runtime.names_image([task]) and options.get("default_image"):
            wanted.add(options["default_image"])
    for image in sorted(wanted):
        ensure_image(engine, ImageSource(image, pull=image))


def literal_image(task: WDL.Tree.Task) -> str | None:
    """The image a task's runtime names as a string without placeholders, else None."""
    for key in ("container", "docker"):
        expr = task.runtime.get(key)
        if isinstance(expr, WDL.Expr.String) and all(isinstance(part, str) for part in expr.parts):
            text = "".join(str(part) for part in expr.parts)
            return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text
    return None


def task_image(options: dict[str, Any], settings: dict[str, Any]) -> str | None:
    """The image a task runs in, or None to run it on the host."""
    if options.get("container", "none") == "none":
        return None
    return runtime.image(settings) or options.get("default_image")


def run_in_container(options: dict[str, Any], image: str, settings: dict[str, Any], task_dir: str, script: str,
                     inputs: Iterable[str], store: Any = None) -> int:
    """Run the task's script in ``image``; its exit status (stdout/stderr go to the task directory)."""
    engine = engine_named(options["container"])
    engine.check()
    ready = ensure_image(engine, ImageSource(image, pull=image), os.path.join(task_dir, "tmp"))
    if store is not None:
        record_image(store, ready)
    spec = task_spec(image, settings, task_dir, inputs, bool(options.get("strict_memory_limit")))
    with open(os.path.join(task_dir, "stdout.txt"), "wb") as out, \
            open(os.path.join(task_dir, "stderr.txt"), "wb") as err:
        return engine.run(spec, ["bash", script], stdin=subprocess.DEVNULL, stdout=out, stderr=err)


def task_spec(image: str, settings: dict[str, Any], task_dir: str, inputs: Iterable[str],
              strict_memory: bool = False) -> RunSpec:
    """The task's container: ``cpu`` is a CPU limit; ``memory`` a limit only when strict (as miniwdl, a reservation)."""
    work_dir = os.path.join(task_dir, "work")
    tmp_dir = os.path.join(task_dir, "tmp")
    os.makedirs(tmp_dir, exist_ok=True)
    spec = RunSpec(image, workdir=work_dir, entrypoint="", env={"HOME": work_dir, "TMPDIR": tmp_dir},
                   cpus=runtime.parse_cores(settings.get("cpu")),
                   memory=runtime.parse_memory(settings.get("memory")) if strict_memory else None)
    spec.mount(task_dir)
    spec.mount(work_dir, writable=True)
    spec.mount(tmp_dir, writable=True)
    inside = task_dir.rstrip("/") + "/"
    for path in sorted({os.path.abspath(p) for p in inputs if os.path.isabs(p) and os.path.exists(p)}):
        if not path.startswith(inside):
            spec.mount(path)
    return spec
