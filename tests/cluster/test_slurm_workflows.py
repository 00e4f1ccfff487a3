"""Workflows and failure cases on the real single-node Slurm (tests/services/slurm.sh)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cluster.support import (
    SCRIPTS,
    counting_wrappers,
    read_counts,
    run_workflow,
    squeue_active,
    stopped_at_exit,
    wait_for,
)
from tests.cluster.test_slurm_contract import make_slurm
from tests.unit.batch.contract import spec
from toil.core.batchsystem import BatchJobExitReason

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("slurm_cluster")]

STATUS_COMMANDS = ("squeue", "sacct", "scontrol")


def test_python_workflow_runs_on_slurm(tmp_path: Path) -> None:
    done = run_workflow(tmp_path, SCRIPTS / "fanout.py", "--jobs", "50", "--batchSystem", "slurm")
    assert done.stdout.strip().splitlines()[-1] == "1225"
    assert squeue_active() == []


def test_status_queries_do_not_grow_with_the_number_of_jobs(tmp_path: Path) -> None:
    wrappers = counting_wrappers(tmp_path / "bin", tmp_path / "calls.log", [*STATUS_COMMANDS, "sbatch", "scancel"])
    env = {"PATH": f"{wrappers}{os.pathsep}{os.environ['PATH']}"}
    started = time.monotonic()
    done = run_workflow(tmp_path, SCRIPTS / "fanout.py", "--jobs", "200", "--batchSystem", "slurm",
                        "--statePollingWait", "1", env=env)
    wall = time.monotonic() - started
    assert done.stdout.strip().splitlines()[-1] == str(200 * 199 // 2)
    polls = int(re.findall(r"slurm: \d+ jobs submitted, (\d+) status queries", done.stderr)[-1])
    counts = read_counts(tmp_path / "calls.log")
    status_commands = sum(counts.get(name, 0) for name in STATUS_COMMANDS)
    print(f"\n200 trivial jobs through Slurm: {wall:.1f} s wall, {counts.get('sbatch', 0)} sbatch, "
          f"{status_commands} status commands ({counts}), {polls} polls")
    # The root and the follow-on alone; the 200 children issued together share 8 submissions
    # (toil.batch.packs: at least MIN_PACKS, at most --slurmBatchJobs 64 jobs each).
    assert 3 <= counts.get("sbatch", 0) <= 12
    assert status_commands <= polls
    assert polls <= wall / 1.0 + 5  # at most one per --statePollingWait, whatever the number of jobs


def test_memory_hog_is_reported_as_memlimit(tmp_path: Path) -> None:
    system = make_slurm(tmp_path)
    try:
        hog = f"{sys.executable} -c 'import time; x = bytearray(400 * 1024 * 1024); time.sleep(10)'"
        job = system.issueBatchJob(spec(hog, memory=100 * 1024 * 1024))
        update = wait_for(lambda: system.getUpdatedBatchJob(1.0), 60, "the memory hog to end")
        assert update.jobID == job
        assert update.exitReason is BatchJobExitReason.MEMLIMIT
        assert update.exitStatus != 0
    finally:
        system.shutdown()


def test_scancel_behind_our_back_is_reported_as_killed(tmp_path: Path) -> None:
    system = make_slurm(tmp_path)
    try:
        job = system.issueBatchJob(spec(f"echo $SLURM_JOB_ID > {tmp_path}/id; sleep 100"))
        slurm_id = wait_for(lambda: (tmp_path / "id").exists() and (tmp_path / "id").read_text().strip(), 30, "start")
        subprocess.run(["scancel", slurm_id], check=True)
        update = wait_for(lambda: system.getUpdatedBatchJob(1.0), 60, "the cancelled job to be reported")
        assert (update.jobID, update.exitReason) == (job, BatchJobExitReason.KILLED)
        assert update.exitStatus != 0
    finally:
        system.shutdown()


def test_a_job_cancelled_behind_our_back_is_retried(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    leader = run_workflow(tmp_path, SCRIPTS / "sleepers.py", "--marks", str(marks), "--jobs", "1", "--sleep", "120",
                          "--onlyFirstTry", "--retryCount", "1", "--batchSystem", "slurm", background=True)
    with stopped_at_exit(leader):
        first = wait_for(lambda: (marks / "0.1").exists() and (marks / "0.1").read_text().strip(), 60, "job start")
        subprocess.run(["scancel", first], check=True)
        out, err = leader.communicate(timeout=120)
    assert leader.returncode == 0, err[-3000:]
    assert out.strip().splitlines()[-1] == "attempts [2]"
    assert "KILLED" in err
    assert (marks / "0.2").read_text().strip() != first


def test_toil_kill_leaves_no_job_in_squeue(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    leader = run_workflow(tmp_path, SCRIPTS / "sleepers.py", "--marks", str(marks), "--jobs", "4", "--sleep", "300",
                          "--batchSystem", "slurm", "--maxJobs", "3", background=True)
    with stopped_at_exit(leader):
        wait_for(lambda: len(list(marks.iterdir())) >= 3, 60, "three jobs to start")
        assert len(squeue_active()) == 3  # --maxJobs holds the fourth back
        killed = subprocess.run([sys.executable, "-m", "toil.cli.main", "kill", str(tmp_path / "js")],
                                capture_output=True, text=True, timeout=120, check=False)
        assert killed.returncode == 0, killed.stderr
        leader.communicate(timeout=60)
    assert leader.returncode != 0
    assert squeue_active() == []


def test_auto_deployment_ships_the_modules_beside_the_script(tmp_path: Path) -> None:
    """Workers run (10 s after submission) once the script's directory has been moved away."""
    app, run = tmp_path / "app", tmp_path / "run"
    shutil.copytree(SCRIPTS / "deployed", app)
    run.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    argv = [sys.executable, str(app / "deployed_app.py"), str(tmp_path / "js"), "--batchSystem", "slurm",
            "--workDir", str(tmp_path / "work"), "--batchLogsDir", str(tmp_path / "logs"),
            "--slurmArgs=--begin=now+10"]
    leader = subprocess.Popen(argv, cwd=run, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with stopped_at_exit(leader):
        wait_for(lambda: list((tmp_path / "js").rglob("user-modules-*")), 30, "the modules to be saved")
        wait_for(lambda: squeue_active(), 30, "the job to be submitted")
        app.rename(tmp_path / "hidden")  # neither the script nor its module is visible any more
        out, err = leader.communicate(timeout=120)
    assert leader.returncode == 0, err[-3000:]
    result = out.strip().splitlines()[-1]
    assert "'value': 49" in result
    assert "toil-deploy-" in result and str(app) not in result.split("'helper': ")[1].split(",")[0]


def test_finished_jobs_are_found_in_the_completion_file(tmp_path: Path) -> None:
    """The fallback for jobs gone from squeue: sacct fails (no accounting storage), sacct -c answers."""
    system = make_slurm(tmp_path)
    try:
        system.issueBatchJob(spec("exit 4"))
        update = wait_for(lambda: system.getUpdatedBatchJob(1.0), 60, "the job to end")
        assert update.exitStatus == 4
        ids = [line.split()[0] for line in subprocess.run(
            ["squeue", "--noheader", "--states=all", "--format=%i %j"], capture_output=True, text=True,
            check=True).stdout.splitlines() if system.run_id in line]
        found = wait_for(lambda: system.accounting(ids), 30, "the completion record")
        assert (found[ids[0]].exit_status, found[ids[0]].reason) == (4, BatchJobExitReason.FAILED)
    finally:
        system.shutdown()


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("runner, document, inputs, out_flag", [
    ("toil-cwl-runner", "hello.cwl", "hello-job.yml", "--outdir"),
    ("toil-wdl-runner", "hello.wdl", "hello.json", "--outputDirectory"),
])
def test_cwl_and_wdl_workflows_run_on_slurm(tmp_path: Path, runner: str, document: str, inputs: str,
                                            out_flag: str) -> None:
    program = shutil.which(runner)
    assert program is not None, f"{runner} is not installed"
    argv = [program, "--batchSystem", "slurm", "--jobStore", str(tmp_path / "js"), "--workDir", str(tmp_path / "work"),
            "--batchLogsDir", str(tmp_path / "logs"), out_flag, str(tmp_path / "out"),
            str(EXAMPLES / document), str(EXAMPLES / inputs)]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list((tmp_path / "out").rglob("*.txt")), "no output files"
    assert list((tmp_path / "logs").glob("toil_*.log")), "no job went through Slurm"
    assert squeue_active() == []


def test_restart_cancels_jobs_a_dead_leader_left_running(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    args = ["--marks", str(marks), "--jobs", "2", "--sleep", "300", "--onlyFirstTry", "--batchSystem", "slurm"]
    leader = run_workflow(tmp_path, SCRIPTS / "sleepers.py", *args, background=True)
    with stopped_at_exit(leader):
        wait_for(lambda: len(list(marks.iterdir())) == 2 and all(m.read_text() for m in marks.iterdir()), 60, "jobs")
        wait_for(lambda: list((tmp_path / "js").rglob("grid-jobs-slurm")), 10, "the record of running jobs")
        leader.kill()  # no shutdown: its jobs keep running
        leader.communicate()
    orphans = {m.read_text().strip() for m in marks.iterdir()}
    assert orphans <= {line.split()[0] for line in squeue_active()}
    try:
        done = run_workflow(tmp_path, SCRIPTS / "sleepers.py", *args, "--restart")
    finally:
        subprocess.run(["scancel", *orphans], capture_output=True, check=False)
    assert "attempts [2, 2]" in done.stdout
    assert not orphans & {line.split()[0] for line in squeue_active()}
    assert "left behind" in done.stderr


def test_killing_one_job_of_a_shared_submission_reruns_its_neighbours(tmp_path: Path) -> None:
    """16 jobs issued together: the first goes alone, the others share 8 submissions (toil.batch.packs).
    Killing one job cancels its submission; the job that shared it is submitted again and reported
    once, as finished."""
    system = make_slurm(tmp_path)
    try:
        marks = tmp_path / "marks"
        marks.mkdir()
        ids = [system.issueBatchJob(spec(f"echo x >> {marks}/{i}; sleep 4")) for i in range(16)]
        victim = ids[1]  # packed with ids[2]; both run at once (2 cores)
        wait_for(lambda: victim in system.getRunningBatchJobIDs() and (marks / "1").exists() and (marks / "2").exists(),
                 90, "the first pack")
        system.killBatchJobs([victim])
        updates = {}
        while len(updates) < 15:
            update = wait_for(lambda: system.getUpdatedBatchJob(1.0), 120, "the other jobs")
            assert update.jobID not in updates and update.jobID != victim
            updates[update.jobID] = update
        failed = [u for u in updates.values() if u.exitReason is not BatchJobExitReason.FINISHED or u.exitStatus]
        assert failed == []
        assert system.submitted_count == 10  # the first job, 8 packs, and the victim's neighbour once more
        assert (marks / "1").read_text() == "x\n"
        assert (marks / "2").read_text() == "x\nx\n"  # ran beside the victim, then again
        assert system.getIssuedBatchJobIDs() == []
    finally:
        system.shutdown()
