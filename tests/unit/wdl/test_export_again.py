"""Exporting outputs again after an export cut short lands them where an undisturbed run would.

Found by the chaos campaign (tests/chaos): a leader killed while exporting left some outputs
in -o; the --restart then avoided every existing name and wrote out/1/a.txt, out/2/... . A
file that holds exactly what would be exported is now taken as exported; anything else in
the way is still never overwritten.
"""

from __future__ import annotations

from pathlib import Path

from toil.common import Toil
from toil.job import Job
from toil.wdl.export import Exporter
from toil.wdl.files import file_uri


def test_export_again_reuses_identical_files_and_keeps_others(tmp_path: Path) -> None:
    options = Job.Runner.getDefaultOptions(str(tmp_path / "store"))
    options.clean = "always"
    (tmp_path / "a.txt").write_text("alpha\n")
    out = tmp_path / "out"
    with Toil(options) as toil:
        uri = file_uri(str(toil.importFile(str(tmp_path / "a.txt"))), "a.txt")
        first = Exporter(toil, str(out)).export(uri)
        assert first == str(out / "a.txt")
        # A restart's export: the identical file left by the first is reused, not avoided.
        again = Exporter(toil, str(out))
        assert again.export(uri) == first
        # Another output with the same name and content in the same export gets its own place.
        twin = file_uri(str(toil.importFile(str(tmp_path / "a.txt"))), "a.txt")
        assert again.export(twin) == str(out / "1" / "a.txt")
        # A different file in the way is never overwritten.
        (out / "b.txt").write_text("the user's own\n")
        (tmp_path / "b.txt").write_text("beta\n")
        other = file_uri(str(toil.importFile(str(tmp_path / "b.txt"))), "b.txt")
        assert again.export(other) == str(out / "1" / "b.txt")
    assert (out / "b.txt").read_text() == "the user's own\n"
    assert (out / "1" / "b.txt").read_text() == "beta\n"
    assert sorted(p.name for p in out.rglob("*") if ".toil-export-" in p.name) == []
