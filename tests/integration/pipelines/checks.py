"""Reading the pipelines' results by content: alignment records with samtools, variant records with bcftools."""

from __future__ import annotations

import subprocess
from collections import Counter

from tests.integration.pipelines.variants import Snp
from tests.integration.wdl.align.simulate import Truth

TOOLS = {"bwa": "bwa", "samtools": "samtools", "bcftools": "bcftools"}  # command -> Debian package


def run(*command: object) -> str:
    return subprocess.run(list(map(str, command)), capture_output=True, text=True, check=True).stdout


def records(bam: str) -> list[list[str]]:
    """The alignment lines of a BAM, split into fields, secondary and supplementary ones left out."""
    return [line.split("\t") for line in run("samtools", "view", "-F", "0x900", bam).splitlines()]


def variants(vcf: str) -> list[Snp]:
    """The (contig, position, REF, ALT) of each record in a VCF, in file order."""
    query = run("bcftools", "query", "-f", r"%CHROM\t%POS\t%REF\t%ALT\n", vcf)
    return [Snp(contig, int(position), ref, alt)
            for contig, position, ref, alt in (line.split("\t") for line in query.splitlines())]


def genotypes(vcf: str) -> set[str]:
    """Every sample's genotype at every record."""
    return set(run("bcftools", "query", "-f", r"[%GT\n]", vcf).split())


def check_merged_bam(bam: str, truth: Truth, samples: list[str], pairs_per_sample: int) -> None:
    """Every simulated read once in the BAM, in its sample's read group, the placed ones where they came from."""
    lines = records(bam)
    assert Counter(fields[0] for fields in lines) == Counter(
        {name: 2 for reads in truth.samples.values() for name in reads})
    for sample in samples:
        assert run("samtools", "view", "-c", "-F", "0x900", "-r", sample, bam).strip() == str(2 * pairs_per_sample)
    for name, flag, contig, position, *_ in lines:
        if name in truth.placed:
            true_contig, first, second = truth.placed[name]
            assert (contig, int(position)) == (true_contig, first if int(flag) & 0x40 else second), name
        else:
            assert int(flag) & 0x4, f"{name} is random sequence, yet mapped"
    assert run("samtools", "view", "-H", bam).splitlines()[0].split("\t")[2] == "SO:coordinate"


def check_calls(vcf: str, planted: list[Snp], samples: list[str]) -> None:
    """Exactly the planted SNPs, in order, every sample homozygous for the ALT allele."""
    assert variants(vcf) == planted
    assert run("bcftools", "query", "-l", vcf).split() == samples
    assert genotypes(vcf) == {"1/1"}
