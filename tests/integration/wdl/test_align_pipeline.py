"""A real-shaped WDL pipeline on Debian's bwa and samtools: index once, align and sort per sample, merge.

The scatter over samples uses the index made outside it (issue 15). The data are simulated
here (align/simulate.py): reads copied from a random reference, so every read has one true
place, plus a few random pairs per sample that map nowhere. The results are checked by
content with samtools. miniwdl 1.16.0 gives the same alignment records and flagstat for
this pipeline and data.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.tools import install_missing_tools
from tests.integration.wdl.align.simulate import Truth, simulate
from tests.integration.wdl.runner import outputs_of, run_wdl

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]  # a first run may install bwa and samtools

PIPELINE = Path(__file__).parent / "align" / "align.wdl"
SAMPLES = ["s1", "s2", "s3"]
PAIRS, JUNK = 150, 10  # per sample: pairs from the reference, pairs of random sequence
TOOLS = {"bwa": "bwa", "samtools": "samtools"}  # command -> Debian package


def samtools(*args: object) -> str:
    return subprocess.run(["samtools", *map(str, args)], capture_output=True, text=True, check=True).stdout


def records(bam: str) -> list[list[str]]:
    """The alignment lines of a BAM, split into fields, secondary and supplementary ones left out."""
    return [line.split("\t") for line in samtools("view", "-F", "0x900", bam).splitlines()]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], Truth]:
    install_missing_tools(TOOLS)
    work = tmp_path_factory.mktemp("align")
    truth = simulate(work, SAMPLES, PAIRS, JUNK)
    inputs = {"Align.referenceFasta": "reference.fa",
              "Align.samples": [{"id": s, "read1": f"{s}_R1.fastq", "read2": f"{s}_R2.fastq"} for s in SAMPLES]}
    (work / "inputs.json").write_text(json.dumps(inputs))
    outputs = outputs_of(run_wdl(PIPELINE, "inputs.json", "--container", "none", "-o", work / "out", cwd=work))
    return outputs, truth


def test_every_read_is_in_the_merged_bam_once_and_in_its_sample(run: tuple[dict[str, object], Truth]) -> None:
    outputs, truth = run
    merged = str(outputs["Align.mergedBam"])
    names = Counter(fields[0] for fields in records(merged))
    assert names == Counter({name: 2 for reads in truth.samples.values() for name in reads})
    for sample in SAMPLES:
        assert samtools("view", "-c", "-F", "0x900", "-r", sample, merged).strip() == str(2 * (PAIRS + JUNK))
    per_sample = [str(path) for path in outputs["Align.sampleBams"]]  # type: ignore[attr-defined]
    assert [Path(path).name for path in per_sample] == [f"{s}.bam" for s in SAMPLES]
    for sample, bam in zip(SAMPLES, per_sample, strict=True):
        assert {fields[0] for fields in records(bam)} == set(truth.samples[sample])


def test_reads_align_where_they_came_from(run: tuple[dict[str, object], Truth]) -> None:
    outputs, truth = run
    mapped = 0
    for name, flag, contig, position, *_ in records(str(outputs["Align.mergedBam"])):
        if int(flag) & 0x4:
            assert name in truth.unplaced, f"{name} is unmapped"
            continue
        mapped += 1
        true_contig, first, second = truth.placed[name]
        assert (contig, int(position)) == (true_contig, first if int(flag) & 0x40 else second), name
    assert mapped == 2 * PAIRS * len(SAMPLES)


def test_merged_bam_is_sorted_indexed_and_counted(run: tuple[dict[str, object], Truth]) -> None:
    outputs, truth = run
    merged = str(outputs["Align.mergedBam"])
    assert samtools("view", "-H", merged).splitlines()[0].split("\t")[2] == "SO:coordinate"
    order = list(truth.contigs)
    places = [(order.index(f[2]), int(f[3])) for f in records(merged) if not int(f[1]) & 0x4]
    assert places == sorted(places)
    assert Path(str(outputs["Align.mergedBamIndex"])).name == "merged.bam.bai"
    per_contig = Counter(contig for contig, _, _ in truth.placed.values())
    idxstats = {line.split("\t")[0]: int(line.split("\t")[2]) for line in samtools("idxstats", merged).splitlines()}
    assert idxstats == {**{name: 2 * per_contig[name] for name in order}, "*": 0}
    flagstat = Path(str(outputs["Align.flagstats"])).read_text().splitlines()
    assert flagstat[0] == f"{2 * (PAIRS + JUNK) * len(SAMPLES)} + 0 in total (QC-passed reads + QC-failed reads)"
