"""Toil's ``toil.test`` import path: the small base Toil's own test modules are written on.

Toil ships its tests in its wheel (``toil/test/src/*.py`` ...); they import ``ToilTest``, a few
skip markers and helpers from here. This is our own implementation of those names, not Toil's.
The test modules themselves never live in this package: ``make toil-tests`` unpacks them into a
scratch directory and names it in ``TOIL_TEST_TREE``, which is added to this package's search
path, so ``toil.test.src.jobTest`` is found there (in the workers too, which inherit the
environment).
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import string
import subprocess
import tempfile
import unittest
from collections.abc import Callable
from inspect import getsource
from textwrap import dedent
from typing import Any, TypeVar

import pytest

_tree = os.environ.get("TOIL_TEST_TREE")
if _tree and os.path.isdir(_tree):
    __path__.append(_tree)  # noqa: F821 (a package's __path__)

logger = logging.getLogger(__name__)

MT = TypeVar("MT", bound=Callable[..., Any])


class ToilTest(unittest.TestCase):
    """Base of Toil's unittest-style tests: temporary directories removed after the class."""

    _tempBaseDir: str | None = None
    _tempDirs: list[str] = []

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls._tempBaseDir = os.environ.get("TOIL_TEST_TEMP")
        if cls._tempBaseDir:
            os.makedirs(cls._tempBaseDir, exist_ok=True)

    @classmethod
    def tearDownClass(cls) -> None:
        while cls._tempDirs:
            path = cls._tempDirs.pop()
            if cls._tempBaseDir is None:
                shutil.rmtree(path, ignore_errors=True)
        super().tearDownClass()

    def _createTempDir(self, purpose: str | None = None) -> str:
        return self._createTempDirEx(self._testMethodName, purpose)

    @classmethod
    def _createTempDirEx(cls, *names: str | None) -> str:
        prefix = "-".join(["toil", "test", cls.__name__, *[n for n in names if n], ""])
        path = os.path.realpath(tempfile.mkdtemp(dir=cls._tempBaseDir, prefix=prefix))
        cls._tempDirs.append(path)
        return path

    @classmethod
    def _getTestJobStorePath(cls) -> str:
        """A fresh path for a job store that does not exist yet."""
        path = cls._createTempDirEx("jobstore")
        os.rmdir(path)
        return path

    @classmethod
    def _run(cls, command: str, *args: str, **kwargs: Any) -> str | None:
        """Run a command; with ``capture=True`` return its standard output."""
        capture = kwargs.pop("capture", False)
        text = kwargs.pop("input", None)
        if capture:
            kwargs["stdout"] = subprocess.PIPE
        done = subprocess.run([command, *args], input=text, text=True, check=True, **kwargs)
        return done.stdout if capture else None

    def _getScriptSource(self, callable_: Callable[..., Any]) -> str:
        """The dedented body of a function: a script embedded in a test."""
        return dedent("\n".join(getsource(callable_).split("\n")[1:]))


def get_temp_file(suffix: str = "", rootDir: str | None = None) -> str:
    """Create an empty temporary file and return its path (the caller removes it)."""
    if rootDir is None:
        handle, path = tempfile.mkstemp(suffix)
        os.close(handle)
        return path
    name = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(10))
    path = os.path.join(rootDir, f"tmp_{name}{suffix}")
    open(path, "w").close()
    os.chmod(path, 0o777)
    return path


def _quick() -> bool:
    return os.environ.get("TOIL_TEST_QUICK", "").lower() == "true"


def slow(test_item: MT) -> MT:
    """Mark a slow test; skipped when TOIL_TEST_QUICK is true."""
    marked: MT = pytest.mark.slow(test_item)
    return unittest.skip('TOIL_TEST_QUICK is "True"')(marked) if _quick() else marked


pslow = pytest.mark.skipif(_quick(), reason='TOIL_TEST_QUICK is "True"')


def _absent(what: str) -> pytest.MarkDecorator:
    return pytest.mark.skip(reason=f"{what} is not part of this engine")


def _lacking(what: str) -> Callable[[MT], MT]:
    def mark(test_item: MT) -> MT:
        return unittest.skip(f"{what} is not part of this engine")(test_item)

    return mark


def needs_docker(test_item: MT) -> MT:
    """Run only where the ``docker`` command answers."""
    if shutil.which("docker") is None:
        return unittest.skip("docker is not installed")(test_item)
    return test_item


# Backends this engine does not have, or that need a cloud account: their tests are skipped with
# the reason (and listed in the harness's baseline).
needs_mesos = _lacking("Mesos")
pneeds_mesos = _absent("Mesos")
needs_kubernetes = needs_kubernetes_installed = _lacking("Kubernetes")
pneeds_kubernetes = _absent("Kubernetes")
needs_aws_s3 = needs_aws_ec2 = needs_aws_batch = _lacking("an AWS account")
needs_google_storage = needs_google_project = _lacking("a Google Cloud account")
needs_htcondor = _lacking("an HTCondor cluster")
needs_lsf = _lacking("an LSF cluster")
pneeds_lsf = _absent("an LSF cluster")
needs_torque = _lacking("a Torque cluster")
pneeds_torque = _absent("a Torque cluster")
needs_gridengine = _lacking("Grid Engine here (tests/cluster covers it)")
pneeds_gridengine = _absent("Grid Engine here (tests/cluster covers it)")
needs_slurm = _lacking("Slurm here (tests/cluster covers it)")
pneeds_slurm = _absent("Slurm here (tests/cluster covers it)")
needs_local_appliance = needs_fetchable_appliance = _lacking("Toil's appliance image")
