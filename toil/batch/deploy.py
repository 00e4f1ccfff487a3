"""Auto-deployment for the grid batch systems: the user's modules travel through the job store.

Leader side (``save_user_modules``): the script the workflow was started from (``__main__``)
and the modules and packages beside it are zipped and stored in the job store as
``shared/user-modules-<digest>``. If the script's directory is itself a package, its top-level
package is zipped from the directory above it, so ``import pkg.mod`` works the same way.
Functions defined in ``__main__`` travel by value with cloudpickle anyway; this is for what the
script imports.

Worker side (``install_user_modules``, called by ``toil.batch.run_worker --deploy KEY``): the
zip is unpacked once per machine into ``$TMPDIR/toil-deploy-<digest>`` (atomic rename) and put
first on ``sys.path`` and ``PYTHONPATH`` (for processes the job starts).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator

from toil.core import plugins
from toil.core.jobstore import AbstractJobStore, parse_locator

logger = logging.getLogger(__name__)

KEY_PREFIX = "user-modules-"
MAX_BYTES = 64 * 1024 * 1024  # more than this is not a script's modules; refuse to ship it
SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".tox", ".venv", "venv", "node_modules", ".mypy_cache"}


def user_script() -> str | None:
    """The file ``__main__`` was loaded from, when it is a Python script (not ``python -c`` or a REPL)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return os.path.abspath(path) if path and path.endswith(".py") and os.path.isfile(path) else None


def deploy_root(script: str) -> str:
    """The directory whose contents are shipped: the script's, or above its top-level package."""
    root = os.path.dirname(script)
    while os.path.isfile(os.path.join(root, "__init__.py")) and os.path.dirname(root) != root:
        root = os.path.dirname(root)
    return root


def module_files(root: str) -> Iterator[tuple[str, str]]:
    """(path, name in the zip) of the .py files at root and in the packages under it."""
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if name.endswith(".py") and os.path.isfile(path):
            yield path, name
        elif os.path.isdir(path) and name not in SKIP_DIRS and os.path.isfile(os.path.join(path, "__init__.py")):
            for directory, subdirs, files in os.walk(path):
                subdirs[:] = [d for d in sorted(subdirs) if d not in SKIP_DIRS]
                for file in sorted(files):
                    if file.endswith(".py"):
                        full = os.path.join(directory, file)
                        yield full, os.path.relpath(full, root)


def pack(root: str) -> bytes:
    """A zip of the modules under root (deterministic: same files, same bytes)."""
    buffer = io.BytesIO()
    total = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in module_files(root):
            total += os.path.getsize(path)
            if total > MAX_BYTES:
                raise ValueError(f"the modules beside the script in {root} are over {MAX_BYTES} bytes")
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            with open(path, "rb") as handle:
                archive.writestr(info, handle.read(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def open_store(locator: str) -> AbstractJobStore:
    kind, rest = parse_locator(locator)
    if kind == "file":
        locator = f"file:{os.path.abspath(rest)}"
    store: AbstractJobStore = plugins.open_job_store(locator)
    store.resume()
    return store


def save_user_modules(locator: str, script: str | None = None) -> str | None:
    """Store the user's modules in the job store; return the key workers fetch, None when nothing to ship."""
    script = script or user_script()
    if script is None:
        return None
    data = pack(deploy_root(script))
    key = KEY_PREFIX + hashlib.sha256(data).hexdigest()[:20]
    store = open_store(locator)
    if not store.has("shared", key):
        store.put("shared", key, data)
    logger.debug("Auto-deployment: saved the modules beside %s as %s (%d bytes)", script, key, len(data))
    return key


def install_user_modules(locator: str, key: str, cache: str | None = None) -> str:
    """Unpack the user's modules (once per machine) and put them first on sys.path and PYTHONPATH."""
    target = os.path.join(cache or tempfile.gettempdir(), f"toil-deploy-{key[len(KEY_PREFIX):]}")
    if not os.path.isdir(target):
        data = open_store(locator).get("shared", key)
        staging = tempfile.mkdtemp(prefix=".toil-deploy-", dir=os.path.dirname(target))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(staging)
        try:
            os.rename(staging, target)
        except OSError:  # another worker got there first
            shutil.rmtree(staging, ignore_errors=True)
    if target not in sys.path:
        sys.path.insert(0, target)
    with contextlib.suppress(KeyError):
        if target in os.environ["PYTHONPATH"].split(os.pathsep):
            return target
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (target, os.environ.get("PYTHONPATH")) if p)
    return target
