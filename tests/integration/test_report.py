"""The HTML report (--report, toil report), opened in a real headless browser with no network.

Debian's chromium renders each report with every proxied request sent to a dead port; the
rendered DOM must hold plotly's SVG for the timeline, the resource plots and the job graph, the
steps' names and, for a failed attempt, the tail of its log. A screenshot of each page is kept
under $TOIL_TEST_ARTIFACTS (else the test's temporary directory).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.integration.support import REPO, run_script
from tests.integration.tools import install_missing_tools
from toil.core.jobstore import AbstractJobStore
from toil.core.plugins import open_job_store
from toil.core.records import read_records

pytestmark = pytest.mark.integration

CWL_DATA = REPO / "tests" / "integration" / "cwl" / "data"
FIGURES = ("toil-timeline", "toil-resources", "toil-graph")


@pytest.fixture(scope="module")
def chromium() -> str:
    install_missing_tools({"chromium": "chromium"})
    path = shutil.which("chromium")
    assert path is not None
    return path


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("TOIL_TEST_ARTIFACTS") or tmp_path / "artifacts") / "report"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return environment


def _run(module: str, *args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=cwd, env=_environment(),
                          capture_output=True, text=True, timeout=300, check=False)


class _Loads(HTMLParser):
    """Every src and href in a page's markup (inline scripts are text, not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in ("src", "href")]


def render(chromium: str, report: Path, artifacts: Path, name: str) -> str:
    """The DOM of the report after its scripts ran, offline; a screenshot goes to artifacts/name.png."""
    page = report.read_text(encoding="utf-8")
    loads = _Loads()
    loads.feed(page)
    assert not [url for url in loads.urls if re.match(r"(https?:)?//", url)], "the report loads from the network"
    profile = report.parent / f"chromium-profile-{name}"
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--virtual-time-budget=20000",
            "--window-size=1400,2800", "--hide-scrollbars"]
    dom = subprocess.run([*base, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=180,
                         check=False)
    assert dom.returncode == 0, dom.stderr[-3000:]
    shot = artifacts / f"{name}.png"
    taken = subprocess.run([*base, f"--screenshot={shot}", report.as_uri()], capture_output=True, text=True,
                           timeout=180, check=False)
    assert taken.returncode == 0 and shot.stat().st_size > 20_000, taken.stderr[-3000:]
    return dom.stdout


def figure(dom: str, div_id: str) -> str:
    """The rendered markup of one plotly figure (from its div to the end of its section)."""
    start = dom.index(f'id="{div_id}"')
    end = dom.find("</section>", start)
    return dom[start:end]


def assert_plotted(dom: str, steps: list[str]) -> None:
    for div_id in FIGURES:
        assert 'class="main-svg"' in figure(dom, div_id), f"plotly drew no SVG for {div_id}"
    timeline, resources = figure(dom, "toil-timeline"), figure(dom, "toil-resources")
    assert "trace bars" in timeline and "trace boxes" in resources
    for step in steps:
        for div_id in FIGURES:
            assert re.search(rf'class="legendtext"[^>]*>{re.escape(step)}<', figure(dom, div_id)), (step, div_id)


def test_python_workflow_with_a_failed_then_retried_job(chromium: str, artifacts: Path, tmp_path: Path) -> None:
    store, report = tmp_path / "store", tmp_path / "python.html"
    done = run_script("flaky.py", store, "--attempts", tmp_path / "attempts", "--failures", "1", "--after-parent",
                      "--retryCount", "1", "--clean", "never", "--report", report, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    records = read_records(_open(store))
    flaky = [(a["attempt"], a["status"]) for a in records.attempts if a["name"] == "flaky"]
    assert flaky == [(1, "FAILED"), (2, "COMPLETED")]
    dom = render(chromium, report, artifacts, "python-retry")
    assert_plotted(dom, ["flaky", "parent"])
    tails = re.findall(r'<pre class="stderr-tail">(.*?)</pre>', dom, re.S)
    assert len(tails) == 1 and "RuntimeError: flaky failure on attempt 1" in tails[0]
    assert re.search(r"<th>Jobs retried</th><td>1</td>", dom)
    assert 'class="succeeded"' in dom


def test_cwl_workflow(chromium: str, artifacts: Path, tmp_path: Path) -> None:
    job, report = tmp_path / "job.json", tmp_path / "cwl.html"
    job.write_text(json.dumps({"numbers": [1, 2, 3]}))
    done = _run("toil.cwl.cli", "--quiet", "--report", report, "--outdir", tmp_path / "out",
                CWL_DATA / "scatter-wf.cwl", job, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    dom = render(chromium, report, artifacts, "cwl-scatter")
    assert_plotted(dom, ["echo", "add"])
    assert "scatter-wf.cwl" in dom and 'class="succeeded"' in dom


def test_wdl_workflow(chromium: str, artifacts: Path, tmp_path: Path) -> None:
    inputs, report = tmp_path / "inputs.json", tmp_path / "wdl.html"
    inputs.write_text(json.dumps({"hello.names": ["a", "b", "c"]}))
    done = _run("toil.wdl.cli", REPO / "examples" / "hello.wdl", inputs, "-o", tmp_path / "out", "--container", "none",
                "--report", report, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    dom = render(chromium, report, artifacts, "wdl-hello")
    assert_plotted(dom, ["greet", "count_lines"])


def test_failed_run_then_restart_appends(tmp_path: Path) -> None:
    """A failed run writes its report; `toil report` reads the store; a --restart adds a run to the records."""
    store, report, flag = tmp_path / "store", tmp_path / "failed.html", tmp_path / "flag"
    arguments = ("--flag", flag, "--record", tmp_path / "record", "--retryCount", "1")
    first = run_script("restartable.py", store, *arguments, "--report", report, cwd=tmp_path)
    assert first.returncode != 0
    page = report.read_text()
    assert 'class="failed">failed<' in page and f"the flag file {flag} is missing" in page
    flag.write_text("")
    again = run_script("restartable.py", store, *arguments, "--restart", "--clean", "never", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    records = read_records(_open(store))
    assert [run.get("success") for run in records.runs] == [False, True]
    assert [(a["attempt"], a["status"]) for a in records.attempts if a["name"] == "needs_flag"] == [
        (1, "FAILED"), (2, "FAILED"), (1, "COMPLETED")]
    later = tmp_path / "later.html"
    made = _run("toil.cli.main", "report", store, "-o", later, cwd=tmp_path)
    assert made.returncode == 0 and "(succeeded, " in made.stdout, made.stderr
    assert "Command line (run 2, restart)" in later.read_text()


@pytest.mark.parametrize("store", ["missing-store", "empty-store"])
def test_toil_report_bad_store_is_one_line(tmp_path: Path, store: str) -> None:
    if store == "empty-store":
        open_job_store(str(tmp_path / store)).create()
    done = _run("toil.cli.main", "report", tmp_path / store, "-o", tmp_path / "x.html", cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("toil report: error:"), done.stderr


def _open(path: Path) -> AbstractJobStore:
    store = open_job_store(str(path))
    store.resume()
    return store


def test_without_plotly_the_report_is_one_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    (blocked / "plotly").mkdir(parents=True)
    (blocked / "plotly" / "__init__.py").write_text("raise ImportError('plotly is not installed')\n")
    environment = _environment()
    environment["PYTHONPATH"] = os.pathsep.join([str(blocked), environment["PYTHONPATH"]])
    open_job_store(str(tmp_path / "store")).create()
    for command in (["-m", "toil.cli.main", "report", tmp_path / "store", "-o", tmp_path / "x.html"],
                    [REPO / "tests" / "integration" / "scripts" / "one_job.py", tmp_path / "other", "--report",
                     tmp_path / "y.html"]):
        done = subprocess.run([sys.executable, *map(str, command)], cwd=tmp_path, env=environment,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "pip install 'toil[report]'" in done.stderr, done.stderr
