"""LSF, Torque and HTCondor builders and parsers, on output as their documentation shows it.

No daemons of these schedulers can run here, so these samples follow the vendors' documented
formats (LSF 10.1 ``bjobs -o``, Torque 6 ``qstat -f -x``, HTCondor 10 ``condor_q -af:j``); the
batch systems have not been run against live clusters.
"""

from __future__ import annotations

from toil.batch.grid import JobPhase, SubmitRequest
from toil.batch.htcondor import (
    condor_history_args,
    condor_q_args,
    parse_condor_ads,
    parse_condor_submit,
    submit_description,
)
from toil.batch.lsf import bjobs_args, bsub_args, parse_bjobs, parse_bsub
from toil.batch.torque import parse_torque_qstat, parse_torque_qsub, torque_qsub_args
from toil.core.batchsystem import BatchJobExitReason
from toil.core.requirements import GIB, Accelerator, Requirements


def request(cores: float = 2, memory: int = GIB, gpus: int = 0) -> SubmitRequest:
    accelerators = (Accelerator(count=gpus),) if gpus else ()
    return SubmitRequest("toil_r_1_job", "#!/bin/sh\ntrue\n", Requirements(cores, memory, GIB, accelerators),
                         "/l/1.log")


# -- LSF ----------------------------------------------------------------------------------------------
BJOBS = """\
1001|DONE|-|12 second(s)|-
1002|EXIT|3|4 second(s)|-
1003|EXIT|130|30 second(s)|TERM_MEMLIMIT: job killed after reaching LSF memory usage limit
1004|RUN|-|7 second(s)|-
1005|PEND|-|0 second(s)|-
1006|EXIT|130|3 second(s)|TERM_OWNER: job killed by owner
"""


def test_lsf() -> None:
    argv = bsub_args(request(), ["-q", "short"])
    assert argv[:3] == ["bsub", "-J", "toil_r_1_job"] and argv[7:9] == ["-n", "2"]
    assert "span[hosts=1] rusage[mem=1024]" in argv and argv[-2:] == ["-q", "short"]
    assert parse_bsub("Job <1001> is submitted to default queue <normal>.\n") == "1001"
    assert bjobs_args(["1", "2"])[-2:] == ["1", "2"]
    statuses = parse_bjobs(BJOBS + "Job <1999> is not found\n")
    assert (statuses["1001"].reason, statuses["1001"].wall_time) == (BatchJobExitReason.FINISHED, 12.0)
    assert (statuses["1002"].exit_status, statuses["1002"].reason) == (3, BatchJobExitReason.FAILED)
    assert statuses["1003"].reason is BatchJobExitReason.MEMLIMIT
    assert statuses["1004"].phase is JobPhase.RUNNING and statuses["1005"].phase is JobPhase.PENDING
    assert statuses["1006"].reason is BatchJobExitReason.KILLED
    assert "1999" not in statuses


# -- Torque -------------------------------------------------------------------------------------------
QSTAT_XML = """<Data><Job><Job_Id>11.head</Job_Id><Job_Name>toil_r_1_job</Job_Name><job_state>C</job_state>
<exit_status>0</exit_status><resources_used><walltime>00:00:05</walltime></resources_used></Job>
<Job><Job_Id>12.head</Job_Id><job_state>C</job_state><exit_status>2</exit_status></Job>
<Job><Job_Id>13.head</Job_Id><job_state>C</job_state><exit_status>271</exit_status></Job>
<Job><Job_Id>14.head</Job_Id><job_state>R</job_state></Job>
<Job><Job_Id>15.head</Job_Id><job_state>Q</job_state></Job></Data>"""


def test_torque() -> None:
    argv = torque_qsub_args(request(gpus=1), "walltime=1:00:00", ["-q", "batch"])
    assert argv[argv.index("-l") + 1] == "nodes=1:ppn=2:gpus=1,mem=1024mb,walltime=1:00:00"
    assert argv[argv.index("-N") + 1] == "toil_r_1_job"[:15] and argv[-2:] == ["-q", "batch"]
    assert parse_torque_qsub("11.head.example.org\n") == "11.head.example.org"
    statuses = parse_torque_qstat(QSTAT_XML)
    assert (statuses["11.head"].reason, statuses["11.head"].wall_time) == (BatchJobExitReason.FINISHED, 5.0)
    assert statuses["12.head"].exit_status == 2
    assert (statuses["13.head"].exit_status, statuses["13.head"].reason) == (-15, BatchJobExitReason.KILLED)
    assert statuses["14.head"].phase is JobPhase.RUNNING and statuses["15.head"].phase is JobPhase.PENDING


# -- HTCondor -----------------------------------------------------------------------------------------
CONDOR_AF = """\
21.0 4 0 false undefined 12.0 undefined
22.0 4 3 false undefined 2.0 undefined
23.0 4 undefined true 9 5.0 undefined
24.0 2 undefined undefined undefined 3.0 undefined
25.0 1 undefined undefined undefined 0.0 undefined
26.0 5 undefined undefined undefined 4.0 34
27.0 3 undefined undefined undefined 1.0 undefined
"""


def test_htcondor() -> None:
    text = submit_description(request(cores=1.5), "/l/1.sh", "+AccountingGroup = \"x\"; requirements = true")
    for line in ("executable = /l/1.sh", "request_cpus = 2", "request_memory = 1024", "getenv = True",
                 "+AccountingGroup = \"x\"", "queue 1"):
        assert line in text.splitlines()
    assert parse_condor_submit("21.0 - 21.0\n") == "21.0"
    assert condor_q_args(["21.0", "22.0"])[:3] == ["condor_q", "21", "22"]
    assert "ClusterId == 21 || ClusterId == 22" in condor_history_args(["21.0", "22.0"])
    statuses = parse_condor_ads(CONDOR_AF)
    assert (statuses["21.0"].reason, statuses["21.0"].wall_time) == (BatchJobExitReason.FINISHED, 12.0)
    assert statuses["22.0"].exit_status == 3
    assert (statuses["23.0"].exit_status, statuses["23.0"].reason) == (-9, BatchJobExitReason.KILLED)
    assert statuses["24.0"].phase is JobPhase.RUNNING and statuses["25.0"].phase is JobPhase.PENDING
    assert statuses["26.0"].reason is BatchJobExitReason.MEMLIMIT
    assert statuses["27.0"].reason is BatchJobExitReason.KILLED
