"""Call caching across runs, through the runners: CWL --cachedir and miniwdl's call cache for WDL.

Every tool or task appends a line to a marker file named after its step, so a test sees exactly
which steps ran; each run uses its own job store, so every hit is a hit across job stores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toil.core.callcache import CallCache

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
REPO = HERE.parents[2]
CWL_STEPS = ["count", "join", "reverse", "shard", "upper"]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIWDL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env["HOME"] = env.get("HOME", "/")
    env.update(extra)
    return env


def markers(directory: Path) -> dict[str, int]:
    """How many times each step ran."""
    return {path.name: len(path.read_text().splitlines()) for path in sorted(directory.iterdir())}


def outputs(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


class Case:
    """A workspace: input files, a marker directory, a cache; each run with a new job store."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.marks = root / "markers"
        self.marks.mkdir()
        self.cache = root / "cache"
        (root / "words.txt").write_text("hello\nworld\n")
        (root / "numbers.txt").write_text("1\n2\n3\n")
        self.runs = 0

    def _finish(self, proc: subprocess.CompletedProcess[str]) -> str:
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stderr

    def cwl_command(self, out: Path) -> list[str]:
        self.runs += 1
        return [sys.executable, "-m", "toil.cwl.cli", "--jobStore", str(self.root / f"store{self.runs}"),
                "--outdir", str(out), "--cachedir", str(self.cache), str(HERE / "pipeline.cwl"),
                "--words", "words.txt", "--numbers", "numbers.txt", "--markers", str(self.marks)]

    def cwl(self, out: str) -> str:
        proc = subprocess.run(self.cwl_command(self.root / out), cwd=self.root, env=environment(),
                              capture_output=True, text=True, timeout=300, check=False)
        return self._finish(proc)

    def wdl_command(self, out: Path) -> list[str]:
        self.runs += 1
        inputs = {"scatter_cache.words": "words.txt", "scatter_cache.numbers": "numbers.txt",
                  "scatter_cache.markers": str(self.marks)}
        return [sys.executable, "-m", "toil.wdl.cli", str(HERE / "scatter.wdl"), json.dumps(inputs),
                "--jobStore", str(self.root / f"store{self.runs}"), "-o", str(out), "--container", "none"]

    def wdl(self, out: str, *options: str, **env: str) -> str:
        settings = env or {"MINIWDL__CALL_CACHE__GET": "true", "MINIWDL__CALL_CACHE__PUT": "true",
                           "MINIWDL__CALL_CACHE__DIR": str(self.cache)}
        proc = subprocess.run([*self.wdl_command(self.root / out), *options], cwd=self.root,
                              env=environment(**settings), capture_output=True, text=True, timeout=300, check=False)
        return self._finish(proc)


def cache_lines(log: str) -> list[str]:
    return sorted(line.split("Call cache: ", 1)[1] for line in log.splitlines() if "Call cache: " in line)


# -- CWL -------------------------------------------------------------------------------------------
def test_cwl_rerun_runs_no_tool_and_gives_the_same_bytes(tmp_path: Path) -> None:
    case = Case(tmp_path)
    first = case.cwl("out1")
    assert markers(case.marks) == dict.fromkeys(CWL_STEPS, 1) | {"shard": 2}
    assert sum(" ran (" in line for line in cache_lines(first)) == 6
    second = case.cwl("out2")
    assert markers(case.marks) == dict.fromkeys(CWL_STEPS, 1) | {"shard": 2}  # nothing ran again
    assert len([line for line in cache_lines(second) if " reused " in line]) == 6
    assert outputs(tmp_path / "out1") == outputs(tmp_path / "out2")
    assert (tmp_path / "out2" / "result.txt").read_text() == "OLLEH\nDLROW\n3\n"
    # The exported outputs are the user's own: editing one cannot reach the cache's entry (nor the reverse).
    assert all(os.stat(p).st_nlink == 1 for p in (tmp_path / "out2").iterdir())


def test_cwl_changed_input_reruns_only_what_depends_on_it(tmp_path: Path) -> None:
    case = Case(tmp_path)
    case.cwl("out1")
    (tmp_path / "numbers.txt").write_text("1\n2\n3\n4\n")
    log = case.cwl("out2")
    assert markers(case.marks) == {"count": 2, "join": 2, "reverse": 2, "shard": 2, "upper": 1}
    lines = cache_lines(log)
    assert any(line.startswith("step count ran (no entry; the nearest earlier one differs in: input files)")
               for line in lines)
    assert any(line.startswith("step upper reused") for line in lines)
    assert outputs(tmp_path / "out2")["result.txt"] != outputs(tmp_path / "out1")["result.txt"]


def test_cwl_entry_damaged_by_hand_is_recomputed(tmp_path: Path) -> None:
    case = Case(tmp_path)
    case.cwl("out1")
    cache = CallCache(str(case.cache))
    damaged = 0
    for key, record in cache.entries():
        if record["step"] in ("upper", "reverse"):
            (name,) = record["files"]
            path = case.cache / "entries" / key[:2] / key / "files" / name
            if record["step"] == "upper":
                path.unlink()
            else:
                os.chmod(path, 0o644)
                path.write_text("wrong\n")
            damaged += 1
    assert damaged == 2
    log = case.cwl("out2")
    # Both ran again; upper made the same bytes as before, so the steps it feeds were found by content.
    assert markers(case.marks) == {"count": 1, "join": 1, "reverse": 2, "shard": 2, "upper": 2}
    lines = cache_lines(log)
    # The leader's lookup found the damage and dropped the entries; the steps' own lines say so.
    assert any(line.startswith("its entry") and line.endswith("vanished") for line in lines)
    assert any(line.startswith("its entry") and line.endswith("changed") for line in lines)
    assert any(line.startswith("step upper ran (its entry") for line in lines)
    assert any(line.startswith("step reverse ran (its entry") for line in lines)
    assert outputs(tmp_path / "out1") == outputs(tmp_path / "out2")


def test_cwl_two_runs_at_once_share_a_cache(tmp_path: Path) -> None:
    case = Case(tmp_path)
    procs = [subprocess.Popen(case.cwl_command(tmp_path / f"out{n}"), cwd=tmp_path, env=environment(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in (1, 2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
    assert outputs(tmp_path / "out1") == outputs(tmp_path / "out2")
    cache = CallCache(str(case.cache))
    entries = list(cache.entries())
    assert sorted(record["step"] for _, record in entries) == ["count", "join", "reverse", "shard", "shard", "upper"]
    assert all(cache.lookup(key) is not None for key, _ in entries)
    # and a third run reuses everything
    case.cwl("out3")
    assert outputs(tmp_path / "out1") == outputs(tmp_path / "out3")
    assert sum(markers(case.marks).values()) <= 12


def test_cwl_unusable_cachedir_is_one_error_line(tmp_path: Path) -> None:
    case = Case(tmp_path)
    (tmp_path / "blocker").write_text("")
    command = case.cwl_command(tmp_path / "out")
    command[command.index("--cachedir") + 1] = str(tmp_path / "blocker" / "cache")
    proc = subprocess.run(command, cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip().splitlines()[-1]]
    assert "call cache directory" in proc.stderr and "Traceback" not in proc.stderr
    command = case.cwl_command(tmp_path / "out")
    command[3:3] = ["--cacheMaxSize", "plenty"]  # before the document: options after it are its inputs
    proc = subprocess.run(command, cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("toil-cwl-runner: error: --cacheMaxSize:")


def test_wdl_cache_max_size_keeps_the_cache_small(tmp_path: Path) -> None:
    case = Case(tmp_path)
    case.wdl("out1", "--cacheMaxSize", "1")
    assert list(CallCache(str(case.cache)).entries()) == []  # each entry is over a byte: none kept
    assert markers(case.marks) == WDL_CALLS


# -- WDL -------------------------------------------------------------------------------------------
WDL_CALLS = {"count": 1, "gather": 1, "shout-hello": 1, "shout-world": 1}


def test_wdl_rerun_of_a_scatter_runs_no_task_and_gives_the_same_bytes(tmp_path: Path) -> None:
    case = Case(tmp_path)
    case.wdl("out1")
    assert markers(case.marks) == WDL_CALLS
    log = case.wdl("out2")
    assert markers(case.marks) == WDL_CALLS
    assert len([line for line in cache_lines(log) if " reused " in line]) == 4
    assert outputs(tmp_path / "out1") == outputs(tmp_path / "out2")
    assert outputs(tmp_path / "out2")["all.txt"] == b"HELLO\nWORLD\n3\n"


def test_wdl_changed_input_reruns_only_what_depends_on_it(tmp_path: Path) -> None:
    case = Case(tmp_path)
    case.wdl("out1")
    (tmp_path / "numbers.txt").write_text("1\n")
    log = case.wdl("out2")
    assert markers(case.marks) == {**WDL_CALLS, "count": 2, "gather": 2}
    lines = cache_lines(log)
    assert any(line.startswith("call count:count ran (no entry; the nearest earlier one differs in: input numbers)")
               for line in lines)
    assert any(line.startswith("call gather:gather ran (no entry; the nearest earlier one differs in: input counted)")
               for line in lines)
    assert outputs(tmp_path / "out2")["all.txt"] == b"HELLO\nWORLD\n1\n"


def test_wdl_cache_from_a_miniwdl_config_file_and_get_without_put(tmp_path: Path) -> None:
    case = Case(tmp_path)
    config = tmp_path / "miniwdl.cfg"
    config.write_text(f"[call_cache]\nget = true\nput = true\ndir = {case.cache}\n")
    case.wdl("out1", "--cfg", str(config), HOME=str(tmp_path))
    config.write_text(f"[call_cache]\nget = true\nput = false\ndir = {case.cache}\n")
    (tmp_path / "numbers.txt").write_text("1\n")
    case.wdl("out2", "--cfg", str(config), HOME=str(tmp_path))
    case.wdl("out3", "--cfg", str(config), HOME=str(tmp_path))
    # without put, the changed calls ran on each run and nothing new was stored
    assert markers(case.marks) == {**WDL_CALLS, "count": 3, "gather": 3}
    assert len(list(CallCache(str(case.cache)).entries())) == 4


def test_wdl_cache_off_by_default_and_bad_config_is_one_error_line(tmp_path: Path) -> None:
    case = Case(tmp_path)
    case.wdl("out1", HOME=str(tmp_path))
    case.wdl("out2", HOME=str(tmp_path))
    assert markers(case.marks) == {name: 2 for name in WDL_CALLS}
    assert not case.cache.exists()
    proc = subprocess.run(case.wdl_command(tmp_path / "out3"), cwd=tmp_path, capture_output=True, text=True,
                          env=environment(HOME=str(tmp_path), MINIWDL__CALL_CACHE__GET="perhaps"), timeout=300,
                          check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("toil-wdl-runner: error: miniwdl configuration")
