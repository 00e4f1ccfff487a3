"""Zero-copy staging on the file job store (issue 17): inputs linked in, outputs linked or moved out,
copies as reflinks where the filesystem shares blocks, copies with a logged reason across
filesystems, and a --restart that refuses an input changed since the workflow linked it in.

Every case runs for CWL and WDL, through the runners as a user runs them. The reflink cases mount a
small XFS image (root and Debian's xfsprogs, installed here when missing).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from toil.stores.atomic import clone_or_copy
from toil.stores.file import FileJobStore

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SIZE = 2 << 20  # inputs of 1 MiB or more are linked in; smaller ones are copied

CWL = """\
cwlVersion: v1.2
class: Workflow
inputs: {inp: File, flag: string}
outputs: {out: {type: File, outputSource: second/out}}
steps:
  first:
    run:
      class: CommandLineTool
      baseCommand: cat
      inputs: {f: {type: File, inputBinding: {position: 1}}}
      stdout: first.bin
      outputs: {out: stdout}
    in: {f: inp}
    out: [out]
  second:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'if [ -e "$0" ]; then exit 3; fi; cat "$1" "$2" > second.bin']
      inputs:
        flag: {type: string, inputBinding: {position: 1}}
        a: {type: File, inputBinding: {position: 2}}
        b: {type: File, inputBinding: {position: 3}}
      outputs: {out: {type: File, outputBinding: {glob: second.bin}}}
    in: {flag: flag, a: first/out, b: inp}
    out: [out]
"""

WDL = """\
version 1.0
workflow w {
  input { File inp  String flag }
  call first { input: f = inp }
  call second { input: a = first.out, b = inp, flag = flag }
  output { File out = second.out }
}
task first {
  input { File f }
  command <<< cat '~{f}' > first.bin >>>
  output { File out = "first.bin" }
}
task second {
  input { File a  File b  String flag }
  command <<< if [ -e '~{flag}' ]; then exit 3; fi; cat '~{a}' '~{b}' > second.bin >>>
  output { File out = "second.bin" }
}
"""


class Run:
    """One language's workflow in a directory: its input, flag file, job store and output directory."""

    def __init__(self, language: str, directory: Path, store: Path | None = None) -> None:
        self.language, self.directory = language, directory
        self.store = store or directory / "js"
        self.input, self.flag, self.out = directory / "in.bin", directory / "fail-now", directory / "out"
        self.input.write_bytes(os.urandom(SIZE))
        document = directory / f"wf.{language}"
        document.write_text(CWL if language == "cwl" else WDL)
        job = directory / "job.json"
        if language == "cwl":
            job.write_text(json.dumps({"inp": {"class": "File", "path": str(self.input)}, "flag": str(self.flag)}))
        else:
            job.write_text(json.dumps({"w.inp": str(self.input), "w.flag": str(self.flag)}))
        self.document, self.job = document, job

    def __call__(self, *options: object) -> subprocess.CompletedProcess[str]:
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
        common = ["--jobStore", self.store, "--retryCount", "0", *options]
        if self.language == "cwl":
            argv = ["toil.cwl.cli", "--outdir", self.out, "--no-container", *common, self.document, self.job]
        else:
            argv = ["toil.wdl.cli", self.document, self.job, "-o", self.out, "--container", "none", *common]
        return subprocess.run([sys.executable, "-m", *map(str, argv)], cwd=self.directory, env=environment,
                              capture_output=True, text=True, timeout=300, check=False)

    def stored_input(self) -> Path:
        found = [p for p in (self.store / "files").rglob("*in.bin")]
        assert len(found) == 1, f"expected the input once in the store, found {found}"
        return found[0]

    def output(self) -> Path:
        found = list(self.out.rglob("second.bin"))
        assert len(found) == 1, f"expected one output, found {found}"
        return found[0]

    def check_output(self) -> None:
        assert self.output().read_bytes() == self.input.read_bytes() * 2


def ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, f"exit {proc.returncode}\nstderr:\n{proc.stderr[-4000:]}"


LANGUAGES = ["cwl", "wdl"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_input_is_hard_linked_into_the_store(tmp_path: Path, language: str) -> None:
    run = Run(language, tmp_path)
    ok(run("--clean", "never"))
    stored = run.stored_input()
    assert not stored.is_symlink() and os.stat(stored).st_ino == os.stat(run.input).st_ino
    run.check_output()
    assert os.stat(run.input).st_nlink == 2  # the store's name; the run's work directories are gone


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("option", [["--symlinkImports", "false"], ["--noLinkImports"]])
def test_no_link_imports_copies(tmp_path: Path, language: str, option: list[str]) -> None:
    run = Run(language, tmp_path)
    ok(run("--clean", "never", *option))
    stored = run.stored_input()
    assert not stored.is_symlink() and os.stat(stored).st_ino != os.stat(run.input).st_ino
    assert stored.read_bytes() == run.input.read_bytes()
    run.check_output()


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[object]:
    """mount(kind) -> a fresh filesystem of that kind (tmpfs, or xfs in an image) under tmp_path, unmounted after."""
    mounted: list[Path] = []

    def make(kind: str) -> Path:
        if os.geteuid() != 0:
            pytest.fail(f"mounting a {kind} filesystem needs root; run this test as root")
        point = tmp_path / f"{kind}-mount"
        point.mkdir()
        if kind == "tmpfs":
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(point)], check=True)
        else:
            install_mkfs(kind)
            image = tmp_path / f"{kind}.img"
            with open(image, "wb") as f:
                f.truncate(4 << 30)  # sparse; room for the jobs' default disk request
            subprocess.run([f"mkfs.{kind}", "-q", str(image)], check=True)
            subprocess.run(["mount", "-o", "loop", str(image), str(point)], check=True)
        mounted.append(point)
        return point

    yield make
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def install_mkfs(kind: str) -> None:
    if shutil.which(f"mkfs.{kind}"):
        return
    package = {"xfs": "xfsprogs", "btrfs": "btrfs-progs"}[kind]
    subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", "--no-install-recommends",
                    package], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    assert shutil.which(f"mkfs.{kind}"), f"installing {package} gave no mkfs.{kind}"


def shared_extents(path: Path) -> bool:
    """Whether a file shares its blocks with another (filefrag's 'shared' flag on every extent)."""
    report = subprocess.run(["filefrag", "-v", str(path)], capture_output=True, text=True, check=True).stdout
    extents = [line for line in report.splitlines() if line.strip()[:1].isdigit()]
    return bool(extents) and all("shared" in line for line in extents)


@pytest.mark.parametrize("language", LANGUAGES)
def test_across_filesystems_symlinks_copies_and_says_why_once(tmp_path: Path, mount: object, language: str) -> None:
    tmpfs = mount("tmpfs")  # type: ignore[operator]
    work = tmp_path / "work"
    work.mkdir()
    run = Run(language, tmp_path, store=tmpfs / "js")
    proc = run("--clean", "never", "--workDir", work)
    ok(proc)
    stored = run.stored_input()
    assert stored.is_symlink() and os.readlink(stored) == os.path.realpath(run.input)
    run.check_output()
    linked = [line for line in proc.stderr.splitlines() if "Cannot hard-link" in line and "symbolic link" in line]
    assert len(linked) == 1 and "different filesystems" in linked[0], proc.stderr
    apart = [line for line in proc.stderr.splitlines() if "The work directory" in line]
    assert len(apart) == 1 and str(work) in apart[0] and "different filesystems" in apart[0], proc.stderr


def test_reflink_copy_on_xfs(mount: object) -> None:
    xfs, tmpfs = mount("xfs"), mount("tmpfs")  # type: ignore[operator]
    source = xfs / "a.bin"
    source.write_bytes(os.urandom(SIZE))
    assert clone_or_copy(str(source), str(xfs / "b.bin")) is True
    assert shared_extents(xfs / "b.bin") and (xfs / "b.bin").read_bytes() == source.read_bytes()
    assert clone_or_copy(str(source), str(tmpfs / "c.bin")) is False  # another filesystem: an ordinary copy
    assert (tmpfs / "c.bin").read_bytes() == source.read_bytes()
    store = FileJobStore("file:" + str(xfs / "js"), str(xfs / "js"))
    store.create()
    file_id = store.write_file(str(source))  # not owned: a copy, which XFS makes a reflink
    stored = Path(str(store.local_path(file_id)))
    assert os.stat(stored).st_ino != os.stat(source).st_ino and shared_extents(stored)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_link_imports_on_xfs_reflinks_the_input(tmp_path: Path, mount: object, language: str) -> None:
    xfs = mount("xfs")  # type: ignore[operator]
    directory = xfs / "run"
    directory.mkdir()
    run = Run(language, directory)
    ok(run("--clean", "never", "--noLinkImports", "--workDir", directory))
    stored = run.stored_input()
    assert os.stat(stored).st_ino != os.stat(run.input).st_ino and shared_extents(stored)
    run.check_output()


@pytest.mark.parametrize("language", LANGUAGES)
def test_move_outputs(tmp_path: Path, language: str) -> None:
    run = Run(language, tmp_path)
    ok(run("--clean", "never", "--moveOutputs"))
    output = run.output()
    assert not output.is_symlink() and os.stat(output).st_nlink == 1
    run.check_output()
    left = [p for p in (run.store / "files").rglob("*second.bin")]
    assert len(left) == 1 and left[0].is_symlink() and Path(os.readlink(left[0])) == output.resolve()


@pytest.mark.parametrize("language", LANGUAGES)
def test_default_export_links_out_of_a_store_that_goes(tmp_path: Path, language: str) -> None:
    run = Run(language, tmp_path)
    ok(run())
    assert not run.store.exists()
    run.check_output()
    assert os.stat(run.input).st_nlink == 1  # the store's link went with it; the input was never moved


@pytest.mark.parametrize("language", LANGUAGES)
def test_restart_refuses_a_changed_input(tmp_path: Path, language: str) -> None:
    run = Run(language, tmp_path)
    run.flag.touch()
    failed = run()
    assert failed.returncode != 0 and run.store.exists(), failed.stderr[-2000:]
    run.flag.unlink()
    before = os.stat(run.input)
    original = run.input.read_bytes()
    with open(run.input, "ab") as f:  # changed in place: the store's hard link sees it too
        f.write(b"more")
    refused = run("--restart")
    assert refused.returncode != 0
    lines = [line for line in refused.stderr.splitlines() if "changed" in line and str(run.input) in line]
    assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr[-3000:]
    assert "size" in lines[0]
    with open(run.input, "r+b") as f:  # put it back as it was: the restart goes on
        f.truncate(len(original))
    os.utime(run.input, ns=(before.st_atime_ns, before.st_mtime_ns))
    ok(run("--restart"))
    run.check_output()
