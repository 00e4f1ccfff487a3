"""CWL pipeline C: a read-QC chain (CWL 1.2) with Debian's seqtk, bwa, samtools and bedtools, run by toil-cwl-runner.

qc_cwl/qc.cwl: samtools faidx and bwa index; bedtools makewindows over the .fai; seqtk sample
of each mate (a scatter whose valueFrom picks the mate out of each sample record, after the
scatter); seqtk trimfq over the mates merged flat (linkMerge merge_flattened); an
ExpressionTool regrouping the mates per sample; a dotproduct scatter of bwa mem | samtools
sort; samtools index and flagstat; an ExpressionTool reading the flagstat reports
(loadContents); bedtools coverage under `when`, skipping one sample, gathered with
`pickValue: all_non_null`; samtools collate | samtools fastq back to pairs. The data are
align/simulate.py's error-free reads, so every number can be worked out from the truth.
cwltool 3.3 (`cwltool --no-container`) runs these documents to the same text outputs; the
test does not run it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.pipelines.checks import records
from tests.integration.pipelines.runners import outputs_of, run_cwl
from tests.integration.tools import install_missing_tools
from tests.integration.wdl.align.simulate import Truth, simulate

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]  # a first run may install the tools

PIPELINE = Path(__file__).parent / "qc_cwl" / "qc.cwl"
TOOLS = {"bwa": "bwa", "samtools": "samtools", "seqtk": "seqtk", "bedtools": "bedtools"}
SAMPLES = ["s1", "s2", "s3"]
PAIRS, JUNK, READ_LENGTH, TRIM, WINDOW = 150, 10, 70, 10, 500
SKIPPED = "s2"


def file(path: str) -> dict[str, str]:
    return {"class": "File", "path": path}


def fastq(path: str) -> dict[str, str]:
    """Read name (without its /1 or /2) -> sequence."""
    lines = Path(path).read_text().splitlines()
    return {lines[i][1:].split()[0].rsplit("/", 1)[0]: lines[i + 1] for i in range(0, len(lines), 4)}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Truth]:
    install_missing_tools(TOOLS)
    work = tmp_path_factory.mktemp("cwl-qc")
    truth = simulate(work, SAMPLES, PAIRS, JUNK, read_length=READ_LENGTH)
    job = {"reference": file("reference.fa"), "trim_end": TRIM, "window": WINDOW, "skip_coverage": SKIPPED,
           "samples": [{"id": s, "read1": file(f"{s}_R1.fastq"), "read2": file(f"{s}_R2.fastq")} for s in SAMPLES]}
    (work / "job.json").write_text(json.dumps(job))
    outputs = outputs_of(run_cwl("--no-container", "--outdir", work / "out", PIPELINE, "job.json", cwd=work))
    return outputs, truth


def kept(outputs: dict[str, Any]) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Sample -> its subsampled, trimmed mates (name -> sequence), in the order the pipeline gives them."""
    trimmed = [f["path"] for f in outputs["trimmed"]]
    assert [Path(path).name for path in trimmed] == [f"{s}_R{mate}.trimmed.fastq" for mate in (1, 2) for s in SAMPLES]
    return {s: (fastq(trimmed[i]), fastq(trimmed[len(SAMPLES) + i])) for i, s in enumerate(SAMPLES)}


def test_mates_are_subsampled_together_and_trimmed(result: tuple[dict[str, Any], Truth]) -> None:
    outputs, truth = result
    for sample, (read1, read2) in kept(outputs).items():
        assert list(read1) == list(read2), f"{sample}: the mates were not sampled alike"
        assert set(read1) <= set(truth.samples[sample])
        assert 0.3 * (PAIRS + JUNK) < len(read1) < 0.7 * (PAIRS + JUNK)
        assert {len(sequence) for sequence in [*read1.values(), *read2.values()]} == {READ_LENGTH - TRIM}


def test_the_bams_hold_the_kept_reads_and_the_counts_say_so(result: tuple[dict[str, Any], Truth]) -> None:
    outputs, truth = result
    mates = kept(outputs)
    assert outputs["read_counts"] == [{"id": s, "reads": 2 * len(mates[s][0])} for s in SAMPLES]
    assert [bam["basename"] for bam in outputs["bams"]] == [f"{s}.bam" for s in SAMPLES]
    for sample, bam in zip(SAMPLES, outputs["bams"], strict=True):
        assert [f["basename"] for f in bam["secondaryFiles"]] == [f"{sample}.bam.bai"]
        lines = records(bam["path"])
        assert sorted(fields[0] for fields in lines) == sorted(2 * list(mates[sample][0]))
        for name, flag, contig, position, *_ in lines:
            if name in truth.unplaced:
                continue
            true_contig, first, second = truth.placed[name]
            expected = first if int(flag) & 0x40 else second + TRIM  # read 2 is reversed: its 3' end is on the left
            assert (contig, int(position)) == (true_contig, expected), name


def expected_coverage(truth: Truth, names: set[str]) -> list[list[str]]:
    """bedtools coverage rows (window, reads overlapping it, bases covered, length, fraction) for these pairs."""
    spans = []  # 0-based, end exclusive
    for name in names & set(truth.placed):
        contig, first, second = truth.placed[name]
        spans += [(contig, first - 1, first - 1 + READ_LENGTH - TRIM),
                  (contig, second - 1 + TRIM, second - 1 + READ_LENGTH)]
    rows = []
    for contig, length in truth.contigs.items():
        for start in range(0, length, WINDOW):
            end = min(start + WINDOW, length)
            hits = [(s, e) for c, s, e in spans if c == contig and s < end and e > start]
            covered = len({base for s, e in hits for base in range(max(s, start), min(e, end))})
            rows.append([contig, str(start), str(end), str(len(hits)), str(covered), str(end - start),
                         f"{covered / (end - start):.7f}"])
    return rows


def test_coverage_over_windows_except_for_the_skipped_sample(result: tuple[dict[str, Any], Truth]) -> None:
    outputs, truth = result
    windows = [line.split("\t") for line in Path(outputs["windows"]["path"]).read_text().splitlines()]
    assert windows == [[contig, str(start), str(min(start + WINDOW, length))]
                       for contig, length in truth.contigs.items() for start in range(0, length, WINDOW)]
    covered = [s for s in SAMPLES if s != SKIPPED]
    assert [f["basename"] for f in outputs["window_coverage"]] == [f"{s}.coverage.bed" for s in covered]
    mates = kept(outputs)
    for sample, report in zip(covered, outputs["window_coverage"], strict=True):
        rows = [line.split("\t") for line in Path(report["path"]).read_text().splitlines()]
        assert rows == expected_coverage(truth, set(mates[sample][0])), sample


def test_the_bams_go_back_to_the_same_pairs(result: tuple[dict[str, Any], Truth]) -> None:
    outputs, _ = result
    mates = kept(outputs)
    pairs = zip(SAMPLES, outputs["roundtrip_read1"], outputs["roundtrip_read2"], strict=True)
    for sample, read1, read2 in pairs:
        assert (read1["basename"], read2["basename"]) == (f"{sample}_1.fastq", f"{sample}_2.fastq")
        assert fastq(read1["path"]) == mates[sample][0]
        assert fastq(read2["path"]) == mates[sample][1]
