"""--metrics scraped by a real Prometheus server (Debian's, installed by tests/services/prometheus.sh).

The test starts Prometheus on 127.0.0.1 with a scrape configuration that points at the port it
gives the leader (--metricsPort), runs ``scripts/progress_jobs.py`` (10 jobs: a root, 8 children,
a follow-on), then asks Prometheus's HTTP API what it scraped, and stops it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.support import REPO, run_script, script_command

pytestmark = pytest.mark.integration

JOBS = 10
INSTALL = REPO / "tests" / "services" / "prometheus.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@dataclass
class Prometheus:
    url: str
    target_port: int  # where it expects the leader's metrics

    def query(self, promql: str) -> list[dict[str, Any]]:
        answer = get_json(f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
        assert answer["status"] == "success", answer
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    def value(self, promql: str) -> float:
        result = self.query(promql)
        assert len(result) == 1, f"{promql}: {result}"
        return float(result[0]["value"][1])

    def by_type(self, metric: str) -> dict[str, float]:
        return {series["metric"]["job_type"]: float(series["value"][1]) for series in self.query(metric)}


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Prometheus]:
    installed = subprocess.run(["bash", str(INSTALL), "install"], capture_output=True, text=True, check=False)
    assert installed.returncode == 0, f"cannot install Prometheus: {installed.stderr}"
    binary = installed.stdout.strip().splitlines()[-1]
    port, target = free_port(), free_port()
    home = tmp_path / "prometheus"
    home.mkdir()
    (home / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        f"scrape_configs:\n  - job_name: toil\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n")
    log = open(home / "prometheus.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [binary, f"--config.file={home / 'prometheus.yml'}", f"--storage.tsdb.path={home / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT, cwd=home)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Prometheus did not start:\n{(home / 'prometheus.log').read_text()}")
                time.sleep(0.2)
        yield Prometheus(url, target)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def wait_until(what: str, check: Callable[[], bool], run: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if run.poll() is not None or time.monotonic() > deadline:
            run.kill()
            _, stderr = run.communicate()
            pytest.fail(f"{what}: not seen (the run's exit: {run.returncode})\n{stderr}")
        time.sleep(0.2)


def test_prometheus_scrapes_the_completed_jobs_up_to_the_workflows_count(tmp_path: Path,
                                                                         prometheus: Prometheus) -> None:
    port = prometheus.target_port
    gates = tmp_path / "gates"
    gates.mkdir()
    command, env = script_command("progress_jobs.py", tmp_path / "store", "--metrics", "--metricsPort", port,
                                  "--metricsWait", "60", "--sleep", "0.2", "--maxCores", "2", "--gates", gates)
    run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the root waits: Prometheus scrapes the leader while one job runs and nine are to come
        wait_until("the leader scraped", lambda: prometheus.query('toil_jobs_running{job_type="fan"} == 1') != [], run)
        (gates / "start").touch()
        # the children wait: two run at once (a whole core each, two cores allowed), six are queued
        wait_until("two children running", lambda: prometheus.query(
            'toil_jobs_running{job_type="child"} == 2 and on() toil_jobs_queued == 6') != [], run)
        assert prometheus.value("toil_cores_in_use") == 2 == prometheus.value("toil_cores_allowed")
        assert prometheus.value("toil_jobs_known") == JOBS
        (gates / "go").touch()
        stdout, stderr = run.communicate(timeout=180)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 0, stderr
    assert stdout.strip() == "RESULT sum=28"
    assert f"Serving Prometheus metrics at http://127.0.0.1:{port}/metrics" in stderr
    # The leader has stopped serving: Prometheus marks its series stale, so the last values scraped are asked for.
    # --metricsWait: the leader served until Prometheus had read the final figures.
    assert prometheus.value('sum(last_over_time(toil_jobs_completed_total{job="toil"}[10m]))') == JOBS
    assert prometheus.by_type("last_over_time(toil_jobs_completed_total[10m])") == {"fan": 1, "child": 8, "total": 1}
    assert prometheus.by_type("last_over_time(toil_jobs_issued_total[10m])") == {"fan": 1, "child": 8, "total": 1}
    assert prometheus.by_type("last_over_time(toil_job_duration_seconds_count[10m])") == {"fan": 1, "child": 8,
                                                                                          "total": 1}
    # each child slept 0.2 s: none falls in the 0.1 s bucket
    assert prometheus.value('last_over_time(toil_job_duration_seconds_bucket{job_type="child",le="0.1"}[10m])') == 0
    assert prometheus.value('last_over_time(toil_job_duration_seconds_bucket{job_type="child",le="+Inf"}[10m])') == 8
    assert prometheus.value('last_over_time(toil_jobs_running{job_type="child"}[10m])') == 0
    assert prometheus.value("last_over_time(toil_jobs_queued[10m])") == 0
    assert prometheus.by_type("last_over_time(toil_jobs_failed_total[10m])") == {}


def test_a_port_in_use_is_one_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_script("progress_jobs.py", tmp_path / "store", "--metrics", "--metricsPort", port, cwd=tmp_path)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert errors == [f"toil: error: --metrics: cannot serve on 127.0.0.1:{port}: Address already in use"], \
        proc.stderr
    assert "Traceback" not in proc.stderr
