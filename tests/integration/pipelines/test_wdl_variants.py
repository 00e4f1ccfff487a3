"""WDL pipeline B: germline SNPs of a small cohort with Debian's bwa, samtools and bcftools, run by toil-wdl-runner.

variants_wdl/variants.wdl (WDL 1.0): samtools faidx and bwa index once, outside the scatter
(the index travels as a struct); a scatter over sample structs calling a sub-workflow
(sample.wdl: bwa mem | samtools sort, samtools index, samtools flagstat); samtools merge and
index; bcftools mpileup, call and view/filter; bcftools stats under an `if`. The data are the
same kind as pipeline A's (variants.py): reads from a genome with a few planted SNPs.
`miniwdl check` accepts these documents; miniwdl does not run them here (it wants docker).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.pipelines.checks import TOOLS, check_calls, check_merged_bam
from tests.integration.pipelines.runners import outputs_of, run_wdl
from tests.integration.pipelines.variants import Snp, simulate_with_snps
from tests.integration.tools import install_missing_tools
from tests.integration.wdl.align.simulate import Truth

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]  # a first run may install the tools

PIPELINE = Path(__file__).parent / "variants_wdl" / "variants.wdl"
SAMPLES = ["s1", "s2", "s3"]
PAIRS, JUNK = 150, 10


def run_pipeline(work: Path, run_stats: bool) -> dict[str, Any]:
    inputs = {"Variants.referenceFasta": "reference.fa", "Variants.runStats": run_stats,
              "Variants.samples": [{"id": s, "read1": f"{s}_R1.fastq", "read2": f"{s}_R2.fastq"} for s in SAMPLES]}
    (work / "inputs.json").write_text(json.dumps(inputs))
    return outputs_of(run_wdl(PIPELINE, "inputs.json", "--container", "none", "-o", work / "out", cwd=work))


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Truth, list[Snp]]:
    install_missing_tools(TOOLS)
    work = tmp_path_factory.mktemp("wdl-variants")
    truth, planted = simulate_with_snps(work, SAMPLES, PAIRS, JUNK)
    return run_pipeline(work, run_stats=True), truth, planted


def test_the_calls_are_exactly_the_planted_snps(result: tuple[dict[str, Any], Truth, list[Snp]]) -> None:
    outputs, _, planted = result
    assert Path(outputs["Variants.snps"]).name == "filtered.vcf.gz"
    assert outputs["Variants.snpsIndex"] == outputs["Variants.snps"] + ".tbi"
    check_calls(outputs["Variants.snps"], planted, SAMPLES)
    check_calls(outputs["Variants.calls"], planted, SAMPLES)
    stats = Path(outputs["Variants.vcfStats"]).read_text()
    assert f"SN\t0\tnumber of SNPs:\t{len(planted)}\n" in stats
    assert "SN\t0\tnumber of indels:\t0\n" in stats


def test_every_read_is_in_the_merged_bam(result: tuple[dict[str, Any], Truth, list[Snp]]) -> None:
    outputs, truth, _ = result
    assert outputs["Variants.mergedBamIndex"] == outputs["Variants.mergedBam"] + ".bai"
    check_merged_bam(outputs["Variants.mergedBam"], truth, SAMPLES, PAIRS + JUNK)


def test_each_sample_is_aligned_indexed_and_counted(result: tuple[dict[str, Any], Truth, list[Snp]]) -> None:
    outputs, _, _ = result
    assert [Path(bam).name for bam in outputs["Variants.sampleBams"]] == [f"{s}.bam" for s in SAMPLES]
    assert outputs["Variants.sampleBamIndexes"] == [bam + ".bai" for bam in outputs["Variants.sampleBams"]]
    for sample, flagstat in zip(SAMPLES, outputs["Variants.flagstats"], strict=True):
        assert Path(flagstat).name == f"{sample}.flagstat.txt"
        lines = Path(flagstat).read_text().splitlines()
        assert lines[0] == f"{2 * (PAIRS + JUNK)} + 0 in total (QC-passed reads + QC-failed reads)"


def test_without_stats_the_optional_output_is_null(tmp_path: Path) -> None:
    install_missing_tools(TOOLS)
    _, planted = simulate_with_snps(tmp_path, SAMPLES, PAIRS, JUNK)
    outputs = run_pipeline(tmp_path, run_stats=False)
    assert outputs["Variants.vcfStats"] is None
    check_calls(outputs["Variants.snps"], planted, SAMPLES)
