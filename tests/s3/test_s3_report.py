"""Per-attempt records and the HTML report with the job store in S3 (the real server of conftest.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.integration.support import EXAMPLES, REPO, run_script, script_command
from tests.s3.conftest import store_name
from toil.core.plugins import open_job_store
from toil.core.records import read_records

pytestmark = pytest.mark.integration


def test_records_and_report_of_a_workflow_in_s3(tmp_path: Path) -> None:
    locator = f"aws:us-east-1:{store_name(tmp_path)}"
    report = tmp_path / "run.html"
    proc = run_script(EXAMPLES / "sort.py", locator, "--numLines", 200, "--clean", "never", "--report", report,
                      cwd=tmp_path, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    try:
        store = open_job_store(locator)
        store.resume()
        records = read_records(store)
        assert records.status == "succeeded" and len(records.runs) == 1
        assert records.attempts and {a["status"] for a in records.attempts} == {"COMPLETED"}
        assert 'class="succeeded"' in report.read_text()
        again = tmp_path / "again.html"
        command, env = script_command(REPO / "toil" / "cli" / "main.py", "report", locator, "-o", again)
        made = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert made.returncode == 0 and f"{len(records.attempts)} job attempts" in made.stdout, made.stderr
    finally:
        command, env = script_command(REPO / "toil" / "cli" / "main.py", "clean", locator)
        subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
