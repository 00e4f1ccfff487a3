"""A task's container: the engine option and the mounts."""

from __future__ import annotations

from pathlib import Path

from toil.wdl.container import resolve_option, task_spec


def test_wdl_task_container(tmp_path: Path) -> None:
    assert resolve_option("none", None, True) == {"container": "none", "default_image": None}
    task_dir = tmp_path / "task"
    outside = tmp_path / "ref.txt"
    outside.write_text("x")
    spec = task_spec("ubuntu:22.04", {"cpu": 2, "memory": "1 GiB"}, str(task_dir),
                     [str(outside), str(task_dir / "inputs" / "a.txt")])
    assert task_spec("i", {"memory": "1 GiB"}, str(task_dir), [], strict_memory=True).memory == 1024**3
    assert spec.workdir == str(task_dir / "work") and spec.entrypoint == ""
    assert spec.cpus == 2.0 and spec.memory is None, "memory is a reservation, as in miniwdl"
    assert [(m.source, m.target, m.writable) for m in spec.mounts] == [
        (str(task_dir), str(task_dir), False), (str(task_dir / "work"), str(task_dir / "work"), True),
        (str(task_dir / "tmp"), str(task_dir / "tmp"), True), (str(outside), str(outside), False)]
