"""Simulated data with planted SNPs for the variant-calling pipeline tests.

align/simulate.py copies reads from the genome it writes as reference.fa. Here that genome
is the samples' one; reference.fa is then rewritten with a different base at a few
positions that the reads cover well. Every sample is homozygous for every planted SNP, so a
caller must report exactly these positions, with the rewritten base as REF and the genome's
as ALT, and nothing else (the reads have no errors).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.integration.wdl.align.simulate import Truth, simulate

READ_LENGTH = 70


@dataclass(frozen=True)
class Snp:
    contig: str
    position: int  # 1-based
    ref: str  # the base in reference.fa
    alt: str  # the base in the reads


def depths(truth: Truth) -> Counter[tuple[str, int]]:
    """How many reads cover each (contig, 1-based position)."""
    covered: Counter[tuple[str, int]] = Counter()
    for contig, first, second in truth.placed.values():
        for start in (first, second):
            covered.update((contig, start + offset) for offset in range(READ_LENGTH))
    return covered


def read_fasta(path: Path) -> dict[str, str]:
    contigs: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            contigs[line[1:].split()[0]] = current = []
        else:
            current.append(line.strip())
    return {name: "".join(lines) for name, lines in contigs.items()}


def write_fasta(path: Path, contigs: dict[str, str]) -> None:
    with path.open("w") as handle:
        for name, sequence in contigs.items():
            handle.write(f">{name}\n")
            for start in range(0, len(sequence), 60):
                handle.write(sequence[start:start + 60] + "\n")


def simulate_with_snps(directory: Path, samples: list[str], pairs: int, junk: int, snps: int = 5,
                       min_depth: int = 10, seed: int = 17) -> tuple[Truth, list[Snp]]:
    """Write reference.fa (with planted SNPs) and the samples' FASTQ pairs; return the truth and the SNPs, sorted."""
    truth = simulate(directory, samples, pairs, junk, seed=seed, read_length=READ_LENGTH)
    genome = read_fasta(directory / "reference.fa")
    covered = depths(truth)
    rng = random.Random(seed)
    candidates = sorted(place for place, depth in covered.items() if depth >= min_depth)
    chosen: list[tuple[str, int]] = []
    for place in rng.sample(candidates, len(candidates)):
        if all(place[0] != other[0] or abs(place[1] - other[1]) > 50 for other in chosen):
            chosen.append(place)
        if len(chosen) == snps:
            break
    reference = {name: list(sequence) for name, sequence in genome.items()}
    planted = []
    for contig, position in sorted(chosen, key=lambda place: (list(genome).index(place[0]), place[1])):
        alt = genome[contig][position - 1]
        ref = rng.choice([base for base in "ACGT" if base != alt])
        reference[contig][position - 1] = ref
        planted.append(Snp(contig, position, ref, alt))
    write_fasta(directory / "reference.fa", {name: "".join(bases) for name, bases in reference.items()})
    return truth, planted
