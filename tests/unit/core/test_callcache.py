"""The core call cache: keys, the digest index, atomic entries, verification on use, concurrent writers."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toil.core.callcache import TOKEN, CallCache, DigestIndex, cache_key, swap_paths

PARTS = {"definition": "tool v1", "input x": "1"}


def outputs_of(tmp_path: Path, text: str = "result") -> tuple[dict[str, object], dict[str, str]]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "a.txt").write_text(text)
    (out / "d").mkdir(exist_ok=True)
    (out / "d" / "b.txt").write_text(text * 2)
    outputs = {"a": {"location": TOKEN + "f0/a.txt"}, "d": {"location": TOKEN + "f1/d",
                                                           "listing": [TOKEN + "f1/d/b.txt"]}}
    return outputs, {TOKEN + "f0/a.txt": str(out / "a.txt"), TOKEN + "f1/d": str(out / "d")}


def test_key_depends_on_every_part_and_not_on_order() -> None:
    assert cache_key(PARTS) == cache_key(dict(reversed(list(PARTS.items()))))
    assert cache_key(PARTS) != cache_key({**PARTS, "input x": "2"})
    assert cache_key(PARTS) != cache_key({**PARTS, "runtime settings": ""})


def test_store_then_lookup_gives_the_same_bytes_by_link(tmp_path: Path) -> None:
    cache = CallCache(str(tmp_path / "cache"))
    outputs, files = outputs_of(tmp_path)
    key = cache_key(PARTS)
    assert cache.lookup(key) is None
    assert cache.store(key, "step", PARTS, outputs, files)
    hit = cache.lookup(key)
    assert hit is not None and hit.outputs == outputs
    placed = hit.materialize(str(tmp_path / "job"))
    result = swap_paths(hit.outputs, placed)
    a = Path(result["a"]["location"])
    assert a.read_text() == "result"
    assert Path(result["d"]["listing"][0]).read_text() == "resultresult"
    # Held by reference: the output, the entry and the placed copy are one inode (same filesystem).
    assert os.stat(a).st_ino == os.stat(files[TOKEN + "f0/a.txt"]).st_ino
    assert os.stat(a).st_nlink == 3


@pytest.mark.parametrize("damage", ["delete", "alter", "delete_in_dir"])
def test_an_entry_whose_file_changed_or_vanished_is_a_miss_and_dropped(tmp_path: Path, damage: str) -> None:
    cache = CallCache(str(tmp_path / "cache"))
    outputs, files = outputs_of(tmp_path)
    key = cache_key(PARTS)
    cache.store(key, "step", PARTS, outputs, files)
    hit = cache.lookup(key)
    assert hit is not None
    target = Path(hit.paths[TOKEN + "f0/a.txt"])
    if damage == "delete":
        target.unlink()
    elif damage == "alter":
        time.sleep(0.01)  # a new mtime, as any real edit makes
        target.write_text("tampered")
    else:
        (Path(hit.paths[TOKEN + "f1/d"]) / "b.txt").unlink()
    assert cache.lookup(key) is None
    assert list(cache.entries()) == []
    # Storing again makes the key usable again.
    outputs, files = outputs_of(tmp_path, "again")
    assert cache.store(key, "step", PARTS, outputs, files)
    assert cache.lookup(key) is not None


def test_digests_are_remembered_by_inode_size_and_mtime(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 1000)
    index = DigestIndex(str(tmp_path / "digests.db"))
    first = index.digest(str(path))
    stamp = os.stat(path)
    # Same size, same mtime, same inode: the content is not read again (even by a new process's index).
    with open(path, "r+b") as f:
        f.write(b"y")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    index.close()
    assert DigestIndex(str(tmp_path / "digests.db")).digest(str(path)) == first
    # A new mtime: read again.
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000))
    assert DigestIndex(str(tmp_path / "digests.db")).digest(str(path)) != first


def test_lenient_identity_is_path_size_and_mtime_deep_is_content(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.write_text("same")
    two.write_text("same")
    deep, lenient = CallCache(str(tmp_path / "c1")), CallCache(str(tmp_path / "c2"), "lenient")
    assert deep.file_identity(str(one)) == deep.file_identity(str(two))
    assert lenient.file_identity(str(one)) != lenient.file_identity(str(two))
    with pytest.raises(ValueError, match="--cacheHash"):
        CallCache(str(tmp_path / "c3"), "shallow")


def test_why_missed_names_the_part_that_changed(tmp_path: Path) -> None:
    cache = CallCache(str(tmp_path / "cache"))
    assert cache.why_missed("step", PARTS) == "no earlier entry for this step"
    outputs, files = outputs_of(tmp_path)
    cache.store(cache_key(PARTS), "step", PARTS, outputs, files)
    assert cache.why_missed("step", {**PARTS, "input x": "2"}).endswith("differs in: input x")
    assert cache.why_missed("other", PARTS) == "no earlier entry for this step"


_SLOW_STORE = """
import sys
from toil.core.callcache import TOKEN, CallCache
cache = CallCache(sys.argv[1])
cache.store("k" * 64, "step", {}, {}, {TOKEN + "big": sys.argv[2]})
"""


def test_a_writer_killed_mid_entry_leaves_no_entry(tmp_path: Path) -> None:
    big = tmp_path / "big"
    with open(big, "wb") as f:
        f.truncate(256 << 20)  # sparse: cheap to make, slow enough to hash that the kill lands mid-entry
    cache_dir = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    child = subprocess.Popen([sys.executable, "-c", _SLOW_STORE, str(cache_dir), str(big)], env=env)
    tmp = cache_dir / "tmp"
    while child.poll() is None and not (tmp.exists() and any(tmp.iterdir())):
        time.sleep(0.005)
    assert child.poll() is None, "the writer finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait()
    cache = CallCache(str(cache_dir))
    assert cache.lookup("k" * 64) is None and list(cache.entries()) == []
    leftover = next(tmp.iterdir())
    os.utime(leftover, (0, 0))  # old: the next writer sweeps it
    small = tmp_path / "small"
    small.write_text("ok")
    assert cache.store("k" * 64, "step", {}, {"o": TOKEN + "small"}, {TOKEN + "small": str(small)})
    assert cache.lookup("k" * 64) is not None
    assert not leftover.exists()


def _race(cache_dir: str, source: str, number: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    cache = CallCache(cache_dir)
    won = cache.store("r" * 64, "step", {"n": "same"}, {"o": TOKEN + "f"}, {TOKEN + "f": source})
    for other in range(5):  # and different keys, at the same time
        cache.store(f"{number}{other}".ljust(64, "0"), "step", {"n": str(other)}, {}, {TOKEN + "f": source})
    results.put(won)


def test_concurrent_writers_of_one_key_leave_one_whole_entry(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.write_text("shared")
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    workers = [multiprocessing.Process(target=_race, args=(str(tmp_path / "cache"), str(source), n, results))
               for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert all(worker.exitcode == 0 for worker in workers)
    wins = [results.get() for _ in workers]
    assert wins.count(True) == 1
    cache = CallCache(str(tmp_path / "cache"))
    assert len(list(cache.entries())) == 1 + 4 * 5
    assert all(cache.lookup(key) is not None for key, _ in cache.entries())
    assert list((tmp_path / "cache" / "tmp").iterdir()) == []


def test_swap_paths_replaces_whole_strings_and_paths_under_them() -> None:
    mapping = {"/w/out/d": "T/d", "/w/out/a": "T/a"}
    swapped = swap_paths({"x": ["/w/out/d/b", "/w/out/a", "/w/out/ab", 3]}, mapping)
    assert swapped == {"x": ["T/d/b", "T/a", "/w/out/ab", 3]}


def test_an_unusable_directory_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="not usable"):
        CallCache.check_directory(str(blocker / "cache"))


def test_prune_drops_least_recently_used_first_and_check_drops_damaged(tmp_path: Path) -> None:
    cache = CallCache(str(tmp_path / "cache"))
    keys = []
    for n in range(3):
        (tmp_path / str(n)).mkdir()
        outputs, files = outputs_of(tmp_path / str(n), f"r{n}")
        key = cache_key({"n": str(n)})
        cache.store(key, "step", {"n": str(n)}, outputs, files)
        os.utime(Path(cache.directory) / "entries" / key[:2] / key / "entry.json", (1000 + n, 1000 + n))
        keys.append(key)
    assert cache.lookup(keys[0]) is not None  # used now: the most recent
    size = cache.entry_size(keys[0])
    assert cache.prune(2 * size + 10) == [keys[1]]
    assert sorted(key for key, _ in cache.entries()) == sorted([keys[0], keys[2]])
    (Path(cache.directory) / "entries" / keys[2][:2] / keys[2] / "files" / "f0" / "a.txt").unlink()
    assert cache.check() == [(keys[2], f"its entry {keys[2][:12]} was dropped: output f0/a.txt vanished")]
    assert [key for key, _ in cache.entries()] == [keys[0]]
    assert cache.prune(0) == [keys[0]]


def test_toil_cache_command_lists_checks_and_prunes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from toil.cli.main import main

    cache = CallCache(str(tmp_path / "cache"))
    outputs, files = outputs_of(tmp_path)
    cache.store(cache_key(PARTS), "my step", PARTS, outputs, files)
    assert main(["cache", "list", cache.directory]) == 0
    assert "\tmy step\t" in capsys.readouterr().out
    assert main(["cache", "check", cache.directory]) == 0
    assert capsys.readouterr().out.strip() == "0 entries dropped"
    assert main(["cache", "prune", cache.directory, "--maxSize", "0"]) == 0
    assert capsys.readouterr().out.strip() == "1 entries dropped"
    with pytest.raises(SystemExit, match="not a call cache directory"):
        main(["cache", "list", str(tmp_path)])
    with pytest.raises(SystemExit, match="--maxSize"):
        main(["cache", "prune", cache.directory, "--maxSize", "lots"])


def test_placing_a_file_never_writes_through_an_existing_one(tmp_path: Path) -> None:
    from toil.core.callcache import link_or_copy

    source, kept = tmp_path / "source", tmp_path / "kept"
    source.write_text("new")
    kept.write_text("old")
    with pytest.raises(FileExistsError):
        link_or_copy(str(source), str(kept))
    assert kept.read_text() == "old"
    assert link_or_copy(str(source), str(tmp_path / "fresh")) in ("link", "reflink", "copy")
    assert (tmp_path / "fresh").read_text() == "new"
