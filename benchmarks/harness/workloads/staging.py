"""Big files: a three-step workflow (`cat`, `gzip -1`, `cp`) over one N MiB input, CWL and WDL (issue 17).

What counts here is the data each system writes and holds, not time: the floor is the three tools'
own outputs (3.0 times the input, random data that gzip does not shrink). Every run gets a fresh
filesystem of its own, a loop-mounted image (ext4, or XFS, where copies can be reflinks), holding
the input, the run's TMPDIR, job store and outputs, so that its free space measures what the run
holds and nothing else on the machine disturbs it:

- **written**: bytes the command's process tree wrote (the growth of ``RUSAGE_CHILDREN``'s
  ``ru_oublock``, 512-byte units; a reflink or a hard link writes none), per byte of input;
- **peak extra**: the most the filesystem's used space grew over the input while the run went
  (``statvfs`` every 20 ms), per byte of input (XFS mounted with ``allocsize=64k``, so that its
  speculative preallocation for a growing file does not count as held data).

Needs root (mount) and Debian's mkfs.ext4 / mkfs.xfs; without them the workload says so and does not run.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
from collections.abc import Iterator

from harness.common import OURS, Context, Outcome, finish, last_json, measure
from harness.workloads import Group, Workload
from harness.workloads.wdl import MINIWDL_ENV, outputs_of

CWL_WORKFLOW = """\
cwlVersion: v1.2
class: Workflow
inputs:
  inp: File
outputs:
  out: {type: File, outputSource: copy/out}
steps:
  concat:
    run:
      class: CommandLineTool
      baseCommand: cat
      inputs: {f: {type: File, inputBinding: {position: 1}}}
      stdout: a.out
      outputs: {out: stdout}
    in: {f: inp}
    out: [out]
  compress:
    run:
      class: CommandLineTool
      baseCommand: [gzip, "-1", "-c"]
      inputs: {f: {type: File, inputBinding: {position: 1}}}
      stdout: b.gz
      outputs: {out: stdout}
    in: {f: concat/out}
    out: [out]
  copy:
    run:
      class: CommandLineTool
      baseCommand: cp
      arguments: [$(inputs.f.path), c.gz]
      inputs: {f: File}
      outputs: {out: {type: File, outputBinding: {glob: c.gz}}}
    in: {f: compress/out}
    out: [out]
"""

WDL_WORKFLOW = """\
version 1.0
workflow big {
  input { File inp }
  call concat { input: f = inp }
  call compress { input: f = concat.out }
  call copy { input: f = compress.out }
  output { File out = copy.out }
}
task concat {
  input { File f }
  command <<< cat '~{f}' > a.out >>>
  output { File out = "a.out" }
}
task compress {
  input { File f }
  command <<< gzip -1 -c '~{f}' > b.gz >>>
  output { File out = "b.gz" }
}
task copy {
  input { File f }
  command <<< cp '~{f}' c.gz >>>
  output { File out = "c.gz" }
}
"""

MiB = 1 << 20


def mkfs_missing(kind: str) -> str | None:
    """Why this machine cannot make and mount a filesystem of this kind, or None."""
    if os.geteuid() != 0:
        return "needs root to loop-mount a filesystem image"
    if shutil.which(f"mkfs.{kind}") is None:
        return f"mkfs.{kind} is missing (Debian: {'xfsprogs' if kind == 'xfs' else 'e2fsprogs'})"
    return None


@contextlib.contextmanager
def scratch_filesystem(kind: str, where: str, size: int) -> Iterator[str]:
    """A fresh filesystem of this kind in a sparse image under where, mounted; removed afterwards."""
    image, mount = os.path.join(where, f"{kind}.img"), os.path.join(where, f"{kind}.mnt")
    os.makedirs(mount, exist_ok=True)
    with open(image, "wb") as f:
        f.truncate(size)
    subprocess.run([f"mkfs.{kind}", "-q", *(["-F"] if kind == "ext4" else []), image], check=True)
    # XFS reserves room ahead of a growing file (speculative preallocation, up to its size), which
    # statvfs counts as used until the file is closed: a fixed small reserve keeps the peak to data.
    options = "loop,allocsize=64k" if kind == "xfs" else "loop"
    subprocess.run(["mount", "-o", options, image, mount], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", mount], check=False)
        os.unlink(image)


def used_bytes(path: str) -> int:
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def write_input(path: str, n_mib: int) -> None:
    with open(path, "wb") as f:
        for _ in range(n_mib):
            f.write(os.urandom(MiB))


def command(ctx: Context, language: str, system: str, directory: str, document: str, job: str) -> list[str]:
    out = os.path.join(directory, "out")
    if system == "miniwdl":
        return [ctx.env(system).tool("miniwdl"), "run", document, "-i", job, "-d", out + os.sep]
    if system == "cwltool":
        return [ctx.env(system).tool("cwltool"), "--outdir", out, "--no-container", document, job]
    store = os.path.join(directory, "jobstore")
    if language == "cwl":
        return [ctx.env(system).tool("toil-cwl-runner"), "--outdir", out, "--no-container", "--jobStore", store,
                document, job]
    return [ctx.env(system).tool("toil-wdl-runner"), document, job, "-o", out, "--container", "none",
            "--jobStore", store]


def output_path(stdout: str) -> str | None:
    document = outputs_of(last_json(stdout))
    if not isinstance(document, dict):
        return None
    value = document.get("out", document.get("big.out"))
    return value.get("path") if isinstance(value, dict) else value if isinstance(value, str) else None


def check(stdout: str, source: str) -> tuple[bool, str]:
    """The output decompresses to the input."""
    path = output_path(stdout)
    if not path or not os.path.isfile(path):
        return False, "no output file"
    with subprocess.Popen(["gzip", "-dc", path], stdout=subprocess.PIPE) as unzip:
        same = subprocess.run(["cmp", "-s", "-", source], stdin=unzip.stdout, check=False).returncode == 0
    return same, "output decompresses to the input" if same else "output differs from the input"


class BigFile(Workload):
    """One language on one kind of filesystem; N is the input's size in MiB."""

    per = "run"
    sizes, quick_sizes = [1024], [64]

    def __init__(self, language: str, kind: str, peer: str) -> None:
        self.language, self.kind, self.peer = language, kind, peer
        self.name = f"{language}-bigfile" + ("" if kind == "ext4" else f"-{kind}")
        self.title = (f"{language.upper()}: `cat`, `gzip -1`, `cp` over one N MiB file on {kind}: data written "
                      "and held per byte of input (floor 3.0)")
        self.about = (f"A {language.upper()} workflow of three steps (`cat`, `gzip -1 -c`, `cp`) over one input of "
                      f"N MiB of random data, on a fresh loop-mounted {kind} filesystem holding everything the run "
                      "touches. `written` is the bytes the process tree wrote (ru_oublock) per input byte; "
                      "`peak` the most the filesystem's used space grew over the input (statvfs every 20 ms) per "
                      "input byte. The floor is 3.0: the three tools' outputs."
                      + (" XFS shares blocks: copies there can be reflinks (below the floor)." if kind == "xfs"
                         else ""))

    def groups(self, ctx: Context) -> list[Group]:
        if mkfs_missing(self.kind):
            return []
        return [Group(n, (OURS, self.peer)) for n in (self.quick_sizes if ctx.quick else self.sizes)]

    def notes(self, ctx: Context) -> list[str]:
        missing = mkfs_missing(self.kind)
        return [f"Not run: {missing}."] if missing else []

    def run(self, ctx: Context, n: int, system: str, rep: int) -> Outcome:
        where = os.path.join(ctx.cache, "work", f"{self.name}-{n}-{system}-{rep}")
        shutil.rmtree(where, ignore_errors=True)
        os.makedirs(where)
        with scratch_filesystem(self.kind, where, 6 * n * MiB + 8192 * MiB) as mount:  # sparse; jobs ask 2 GiB disk
            outcome = self._run_in(ctx, mount, n, system)
        shutil.rmtree(where, ignore_errors=True)
        return outcome

    def _run_in(self, ctx: Context, directory: str, n: int, system: str) -> Outcome:
        os.makedirs(os.path.join(directory, "tmp"))
        source = os.path.join(directory, "input.bin")
        write_input(source, n)
        ext = "cwl" if self.language == "cwl" else "wdl"
        document, job = os.path.join(directory, f"big.{ext}"), os.path.join(directory, "job.json")
        with open(document, "w") as f:
            f.write(CWL_WORKFLOW if ext == "cwl" else WDL_WORKFLOW)
        with open(job, "w") as f:
            f.write('{"inp": {"class": "File", "path": "input.bin"}}' if ext == "cwl" else
                    f'{{"big.inp": "{source}"}}')
        os.sync()
        base = used_bytes(directory)
        peak = [base]

        def watch() -> bool:
            peak[0] = max(peak[0], used_bytes(directory))
            return False

        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_oublock
        # ours: this checkout, whichever copy of the package the interpreter has installed
        env = MINIWDL_ENV if system == "miniwdl" else {"PYTHONPATH": ctx.repo} if system == OURS else None
        measurement = measure(ctx, system, command(ctx, self.language, system, directory, document, job), directory,
                              env_extra=env, watch=watch, cwd=directory)
        written = (resource.getrusage(resource.RUSAGE_CHILDREN).ru_oublock - before) * 512
        with open(os.path.join(directory, "run.out"), errors="replace") as f:
            ok, answer = check(f.read(), source)
        size = n * MiB
        written_x, peak_x = round(written / size, 3), round((peak[0] - base) / size, 3)
        extra = {"written_per_input": written_x, "peak_extra_per_input": peak_x}
        answer = f"{answer}; written {written_x:.2f}x, peak extra {peak_x:.2f}x"
        outcome = Outcome(measurement, ok, answer, extra=extra)
        if not outcome.ok:  # keep what it left for a look: copy the logs out of the filesystem that goes
            kept = os.path.join(ctx.cache, "work", f"{self.name}-{n}-{system}-failed")
            os.makedirs(kept, exist_ok=True)
            for name in ("run.out", "run.err", "run.cmd"):
                with contextlib.suppress(OSError):
                    shutil.copy(os.path.join(directory, name), kept)
            outcome.extra["directory"] = kept
            return outcome
        return finish(ctx, directory, outcome)


WORKLOADS = [BigFile("cwl", "ext4", "cwltool"), BigFile("cwl", "xfs", "cwltool"),
             BigFile("wdl", "ext4", "miniwdl"), BigFile("wdl", "xfs", "miniwdl")]
