"""toil-wdl-runner run the way a user runs it, on examples/hello.wdl and small workflows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.wdl.runner import REPO, run_wdl

pytestmark = pytest.mark.integration

EXAMPLES = REPO / "examples"

SCATTER = """\
version 1.1
workflow nested {
  input { Int n = 3 }
  scatter (i in range(n)) {
    scatter (j in range(i)) {
      call add { input: a = i, b = j }
    }
    if (i > 1) {
      Int big = i * 10
    }
  }
  output {
    Array[Array[Int]] sums = add.sum
    Array[Int?] bigs = big
  }
}
task add {
  input { Int a  Int b }
  command <<< echo $(( ~{a} + ~{b} )) >>>
  output { Int sum = read_int(stdout()) }
  runtime { cpu: 1  memory: "64 MiB"  disks: "local-disk 1 SSD"  maxRetries: 1 }
}
"""

FAILING = """\
version 1.0
workflow fails {
  call boom
}
task boom {
  command <<< echo "something broke" >&2; exit 7 >>>
}
"""


def test_hello_example_miniwdl_dialect(tmp_path: Path) -> None:
    proc = run_wdl(EXAMPLES / "hello.wdl", EXAMPLES / "hello.json", "--outputDialect", "miniwdl",
                   "-o", tmp_path / "out", "-m", tmp_path / "result.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert printed == json.loads((tmp_path / "result.json").read_text())
    outputs = printed["outputs"]
    assert printed["dir"] == str(tmp_path / "out")
    assert outputs["hello.messages"] == ["Hello, world!", "Hello, Toil!", "Hello, WDL!"]
    assert outputs["hello.lines"] == 3
    contents = [Path(path).read_text() for path in outputs["hello.files"]]
    assert contents == ["Hello, world!\n", "Hello, Toil!\n", "Hello, WDL!\n"]
    assert all(path.startswith(str(tmp_path / "out")) for path in outputs["hello.files"])


def test_nested_scatter_and_conditional_cromwell_dialect(tmp_path: Path) -> None:
    wdl = tmp_path / "nested.wdl"
    wdl.write_text(SCATTER)
    proc = run_wdl(wdl, '{"nested.n": 4}', "-o", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "nested.sums": [[], [1], [2, 3], [3, 4, 5]],
        "nested.bigs": [None, None, 20, 30],
    }


def test_failing_task_is_one_error_line_with_its_stderr(tmp_path: Path) -> None:
    wdl = tmp_path / "fails.wdl"
    wdl.write_text(FAILING)
    proc = run_wdl(wdl, "-o", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, proc.stderr
    assert "status 7" in errors[0] and "something broke" in errors[0]
    assert "Traceback" not in proc.stderr


def test_wdl_errors_give_file_line_and_column(tmp_path: Path) -> None:
    wdl = tmp_path / "bad.wdl"
    wdl.write_text("version 1.0\nworkflow w {\n  call nope\n}\n")
    proc = run_wdl(wdl, cwd=tmp_path)
    assert proc.returncode != 0
    assert proc.stderr.strip().startswith(f"toil-wdl-runner: error: {wdl}:3:")
    assert "Traceback" not in proc.stderr


SUB = """\
version 1.0
workflow inner {
  input { Int x  Int y = 5 }
  call mul { input: a = x }
  output { Int prod = mul.out  Int yy = y }
}
task mul {
  input { Int a  Int b = 2 }
  command <<< echo $(( ~{a} * ~{b} )) >>>
  output { Int out = read_int(stdout()) }
}
"""

MAIN = """\
version 1.0
import "lib/sub.wdl" as lib
workflow outer {
  input { Array[Int] xs }
  scatter (x in xs) {
    call lib.inner as sub { input: x = x }
  }
  call lib.mul as direct { input: a = 7 }
  output { Array[Int] prods = sub.prod  Array[Int] ys = sub.yy  Int d = direct.out }
}
"""


def test_imported_subworkflow_in_a_scatter_with_call_inputs_from_json(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "sub.wdl").write_text(SUB)
    (tmp_path / "main.wdl").write_text(MAIN)
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"outer.xs": [1, 2, 3], "outer.direct.b": 10}))
    proc = run_wdl("main.wdl", "-i", inputs, "-o", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"outer.prods": [2, 4, 6], "outer.ys": [5, 5, 5], "outer.d": 70}


DIRECTORIES = """\
version development
workflow dirs {
  call make
  call count { input: d = make.out, inside = make.inside }
  output { Directory out = make.out  Int files = count.n  Boolean together = count.together }
}
task make {
  command <<<
    mkdir -p top/sub && echo a > top/a.txt && echo b > top/sub/b.txt
  >>>
  output { File inside = "top/a.txt"  Directory out = "top" }
}
task count {
  input { Directory d  File inside }
  command <<<
    find ~{d} -type f | wc -l
    [ "$(dirname ~{inside})" = "~{d}" ] && echo true || echo false
  >>>
  output { Int n = read_lines(stdout())[0]  Boolean together = read_lines(stdout())[1] == "true" }
}
"""


def test_directories_flow_between_tasks_and_are_exported(tmp_path: Path) -> None:
    wdl = tmp_path / "dirs.wdl"
    wdl.write_text(DIRECTORIES)
    proc = run_wdl(wdl, "-o", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    outputs = json.loads(proc.stdout)
    assert outputs["dirs.files"] == 2 and outputs["dirs.together"] is True
    exported = Path(outputs["dirs.out"])
    assert (exported / "a.txt").read_text() == "a\n" and (exported / "sub" / "b.txt").read_text() == "b\n"
