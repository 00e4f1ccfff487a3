"""Workflows on a multi-node Slurm with no shared disk (tests/services/slurm_multi.sh), job store in S3.

Each node is a ``slurmd`` with its own hostname and /tmp, and neither the project's checkout nor
the leader's working directory (here under the leader's /tmp) exists there. The user's script
and its sibling module, the CWL and WDL documents, inputs and outputs all move through the S3
job store. Each workflow checks: correct outputs, jobs on at least three nodes by Slurm's
accounting (``sacct -c`` NodeList), and no job saw any of the leader's paths.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.cluster.support import SCRIPTS, WORKFLOW_TIMEOUT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHECKOUT = Path(__file__).resolve().parents[2]
NODES = {"node1", "node2", "node3"}
JOBS = 12


@pytest.fixture
def leader_dir(tmp_path: Path, slurm_multi_cluster: dict[str, str]) -> Path:
    """The leader's working directory, holding copies of the workflow files; nodes must not see it."""
    shutil.copytree(SCRIPTS / "spread", tmp_path / "app")
    (tmp_path / "leader-only").write_text("the leader's working directory\n")
    return tmp_path


def hidden_paths(leader_dir: Path) -> list[str]:
    """Files only the leader has. (Workers create the --workDir path on their node: its parent
    directories may exist there, empty, so the check is for files.)"""
    return [str(leader_dir / "leader-only"), str(leader_dir / "app" / "spread.py"), str(CHECKOUT / "pyproject.toml"),
            str(CHECKOUT / "toil" / "__init__.py")]


def last_job_id(env: dict[str, str]) -> int:
    rows = accounting(env)
    return max((job_id for job_id, _, _ in rows), default=0)


def accounting(env: dict[str, str]) -> list[tuple[int, str, str]]:
    """(job id, name, node list) of every finished job in Slurm's completion records."""
    done = subprocess.run(["sacct", "-c", "--noheader", "--parsable2", "--format=JobID,JobName,NodeList"],
                          env=env, capture_output=True, text=True, check=True)
    rows = []
    for line in done.stdout.splitlines():
        job_id, name, nodes = line.split("|")
        if job_id.isdigit():
            rows.append((int(job_id), name, nodes))
    return rows


def nodes_used(env: dict[str, str], after: int, suffix: str) -> set[str]:
    """The nodes that ran this workflow's jobs named *suffix (jobs with an id above after)."""
    return {nodes for job_id, name, nodes in accounting(env) if job_id > after and name.endswith(suffix)}


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=WORKFLOW_TIMEOUT,
                          check=False)
    assert done.returncode == 0, f"workflow failed ({done.returncode}):\n{done.stderr[-5000:]}"
    return done.stdout


def store() -> str:
    return f"aws:us-east-1:multi-{uuid.uuid4().hex[:12]}"


def check_reports(texts: list[str], leader_dir: Path) -> set[str]:
    """Each report is '<item> <host>' then 'seen PATH' lines; return the hosts, failing on any seen path."""
    hosts = set()
    for i, text in enumerate(texts):
        first, *seen = text.splitlines()
        assert first.split()[0] == f"item{i}", texts
        assert seen == [], f"a node saw the leader's paths: {seen}"
        hosts.add(first.split()[1])
    assert hosts <= NODES, hosts
    return hosts


def test_python_fan_out_deploys_the_script_and_its_module_through_s3(leader_dir: Path,
                                                                      slurm_multi_cluster: dict[str, str]) -> None:
    env, before = slurm_multi_cluster, last_job_id(slurm_multi_cluster)
    hidden = [arg for path in hidden_paths(leader_dir) for arg in ("--hidden", path)]
    out = run([sys.executable, str(leader_dir / "app" / "spread.py"), store(), "--batchSystem", "slurm",
               "--jobs", str(2 * JOBS), "--workDir", str(leader_dir / "work"), *hidden], leader_dir, env)
    reports = json.loads(out.strip().splitlines()[-1])
    assert [r["square"] for r in reports] == [i * i for i in range(2 * JOBS)]
    assert all(r["seen"] == [] for r in reports), reports
    # The sibling module came from the job store's zip, unpacked in the node's own /tmp.
    assert all("/toil-deploy-" in r["module"] and str(leader_dir) not in r["module"] for r in reports)
    # The engine itself is the nodes' own install, not the checkout the leader runs from.
    assert not any(r["toil"].startswith(str(CHECKOUT)) for r in reports), reports[0]
    assert {r["host"] for r in reports} == NODES
    assert nodes_used(env, before, "_where") == NODES


def test_cwl_scatter_runs_on_the_nodes_with_its_documents_in_s3(leader_dir: Path,
                                                                slurm_multi_cluster: dict[str, str]) -> None:
    env, before = slurm_multi_cluster, last_job_id(slurm_multi_cluster)
    items = [f"item{i}" for i in range(JOBS)]
    (leader_dir / "job.json").write_text(json.dumps({"items": items, "hidden": hidden_paths(leader_dir)}))
    out = run(["toil-cwl-runner", "--batchSystem", "slurm", "--jobStore", store(),
               "--workDir", str(leader_dir / "work"), "--outdir", str(leader_dir / "out"),
               str(leader_dir / "app" / "spread.cwl"), str(leader_dir / "job.json")], leader_dir, env)
    paths = [entry["path"] for entry in json.loads(out)["reports"]]
    hosts = check_reports([Path(p).read_text() for p in paths], leader_dir)
    assert hosts == NODES
    assert nodes_used(env, before, "_probe") == NODES


def test_wdl_scatter_runs_on_the_nodes_with_its_documents_in_s3(leader_dir: Path,
                                                                slurm_multi_cluster: dict[str, str]) -> None:
    env, before = slurm_multi_cluster, last_job_id(slurm_multi_cluster)
    items = [f"item{i}" for i in range(JOBS)]
    inputs = {"spread.items": items, "spread.hidden": hidden_paths(leader_dir)}
    (leader_dir / "inputs.json").write_text(json.dumps(inputs))
    out = run(["toil-wdl-runner", "--batchSystem", "slurm", "--jobStore", store(),
               "--workDir", str(leader_dir / "work"), "--outputDirectory", str(leader_dir / "out"),
               str(leader_dir / "app" / "spread.wdl"), str(leader_dir / "inputs.json")], leader_dir, env)
    paths = json.loads(out)["spread.reports"]
    hosts = check_reports([Path(p).read_text() for p in paths], leader_dir)
    assert hosts == NODES
    assert nodes_used(env, before, "_probe") == NODES


FAN_OUT = 200  # hundreds of jobs, not thousands: the machine running the cluster is small and shared


@pytest.mark.timeout(1200)
def test_a_fan_out_of_hundreds_of_jobs_costs_a_few_submissions(leader_dir: Path,
                                                                slurm_multi_cluster: dict[str, str]) -> None:
    """Jobs issued together share submissions (toil.batch.packs), counted from Slurm's own records."""
    env, before = slurm_multi_cluster, last_job_id(slurm_multi_cluster)
    out = run([sys.executable, str(leader_dir / "app" / "spread.py"), store(), "--batchSystem", "slurm",
               "--jobs", str(FAN_OUT), "--workDir", str(leader_dir / "work")], leader_dir, env)
    reports = json.loads(out.strip().splitlines()[-1])
    assert [r["square"] for r in reports] == [i * i for i in range(FAN_OUT)]
    assert {r["host"] for r in reports} == NODES
    submissions = [(job_id, name) for job_id, name, _ in accounting(env) if job_id > before]
    print(f"\n{FAN_OUT}-job fan-out: {len(submissions)} Slurm submissions")
    # The root and the follow-on alone, the fan-out in 8 packs (toil.batch.packs.MIN_PACKS).
    assert 3 <= len(submissions) <= 16, submissions
    assert nodes_used(env, before, "_where") == NODES
