"""CWL pipeline A: germline SNPs of a small cohort with Debian's bwa, samtools and bcftools, run by toil-cwl-runner.

variants_cwl/variants.cwl: samtools faidx and bwa index once (the index files as secondary
files of the reference), a sub-workflow scattered over sample records (bwa mem | samtools
sort, samtools index, samtools flagstat), samtools merge and index, bcftools mpileup, call,
view/filter (with its tabix index) and stats. The data are simulated (variants.py): reads
from a genome that differs from the reference at a few planted SNPs. cwltool 3.3
(`cwltool --no-container`) validates these documents and gives the same five calls on this
data; the test does not run it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.pipelines.checks import TOOLS, check_calls, check_merged_bam, run
from tests.integration.pipelines.runners import outputs_of, run_cwl
from tests.integration.pipelines.variants import Snp, simulate_with_snps
from tests.integration.tools import install_missing_tools
from tests.integration.wdl.align.simulate import Truth

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]  # a first run may install the tools

PIPELINE = Path(__file__).parent / "variants_cwl" / "variants.cwl"
SAMPLES = ["s1", "s2", "s3"]
PAIRS, JUNK = 150, 10


def file(path: str) -> dict[str, str]:
    return {"class": "File", "path": path}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Truth, list[Snp]]:
    install_missing_tools(TOOLS)
    work = tmp_path_factory.mktemp("cwl-variants")
    truth, planted = simulate_with_snps(work, SAMPLES, PAIRS, JUNK)
    job = {"reference": file("reference.fa"),
           "samples": [{"id": s, "read1": file(f"{s}_R1.fastq"), "read2": file(f"{s}_R2.fastq")} for s in SAMPLES]}
    (work / "job.json").write_text(json.dumps(job))
    outputs = outputs_of(run_cwl("--no-container", "--outdir", work / "out", PIPELINE, "job.json", cwd=work))
    return outputs, truth, planted


def test_the_calls_are_exactly_the_planted_snps(result: tuple[dict[str, Any], Truth, list[Snp]]) -> None:
    outputs, _, planted = result
    snps = outputs["snps"]
    assert snps["basename"] == "filtered.vcf.gz"
    assert [f["basename"] for f in snps["secondaryFiles"]] == ["filtered.vcf.gz.tbi"]
    check_calls(snps["path"], planted, SAMPLES)
    check_calls(outputs["calls"]["path"], planted, SAMPLES)  # nothing for the filter to take out
    stats = Path(outputs["vcf_stats"]["path"]).read_text()
    assert f"SN\t0\tnumber of SNPs:\t{len(planted)}\n" in stats
    assert "SN\t0\tnumber of indels:\t0\n" in stats


def test_every_read_is_in_the_merged_bam(result: tuple[dict[str, Any], Truth, list[Snp]]) -> None:
    outputs, truth, _ = result
    merged = outputs["merged_bam"]
    assert [f["basename"] for f in merged["secondaryFiles"]] == ["merged.bam.bai"]
    check_merged_bam(merged["path"], truth, SAMPLES, PAIRS + JUNK)
    idxstats = run("samtools", "idxstats", merged["path"]).splitlines()
    assert sum(int(line.split("\t")[2]) for line in idxstats) == 2 * PAIRS * len(SAMPLES)


def test_each_sample_is_aligned_indexed_and_counted(result: tuple[dict[str, Any], Truth, list[Snp]]) -> None:
    outputs, truth, _ = result
    assert [bam["basename"] for bam in outputs["sample_bams"]] == [f"{s}.bam" for s in SAMPLES]
    for sample, bam, flagstat in zip(SAMPLES, outputs["sample_bams"], outputs["flagstats"], strict=True):
        assert [f["basename"] for f in bam["secondaryFiles"]] == [f"{sample}.bam.bai"]
        assert {line.split("\t")[0] for line in run("samtools", "view", bam["path"]).splitlines()} == set(
            truth.samples[sample])
        lines = Path(flagstat["path"]).read_text().splitlines()
        assert lines[0] == f"{2 * (PAIRS + JUNK)} + 0 in total (QC-passed reads + QC-failed reads)"
        assert flagstat["basename"] == f"{sample}.flagstat.txt"
