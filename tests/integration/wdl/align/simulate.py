"""Small simulated sequencing data for the alignment pipeline test: a random reference and paired reads.

Reads are copied exactly from the reference (no errors), so each pair has one true place;
a few pairs per sample are random sequence that maps nowhere. Everything comes from a seeded
random.Random, so the same arguments give the same files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

COMPLEMENT = str.maketrans("ACGT", "TGCA")


@dataclass
class Truth:
    """Where each simulated pair comes from: read name -> (contig, 1-based start of read 1, of read 2)."""

    contigs: dict[str, int] = field(default_factory=dict)  # name -> length
    placed: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    unplaced: set[str] = field(default_factory=set)
    samples: dict[str, list[str]] = field(default_factory=dict)  # sample -> its read names


def reverse_complement(sequence: str) -> str:
    return sequence.translate(COMPLEMENT)[::-1]


def random_sequence(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("ACGT") for _ in range(length))


def write_reference(path: Path, rng: random.Random, lengths: dict[str, int]) -> dict[str, str]:
    contigs = {name: random_sequence(rng, length) for name, length in lengths.items()}
    with path.open("w") as handle:
        for name, sequence in contigs.items():
            handle.write(f">{name}\n")
            for start in range(0, len(sequence), 60):
                handle.write(sequence[start:start + 60] + "\n")
    return contigs


def fastq_record(name: str, sequence: str, mate: int) -> str:
    return f"@{name}/{mate}\n{sequence}\n+\n{'I' * len(sequence)}\n"


def simulate(directory: Path, samples: list[str], pairs: int, junk: int, seed: int = 15,
             lengths: dict[str, int] | None = None, read_length: int = 70, fragment: int = 250) -> Truth:
    """Write reference.fa and <sample>_R1.fastq, <sample>_R2.fastq for each sample; return the truth."""
    rng = random.Random(seed)
    contigs = write_reference(directory / "reference.fa", rng, lengths or {"chrA": 3000, "chrB": 2000})
    truth = Truth(contigs={name: len(sequence) for name, sequence in contigs.items()})
    names = sorted(contigs)
    for sample in samples:
        truth.samples[sample] = []
        with (directory / f"{sample}_R1.fastq").open("w") as r1, (directory / f"{sample}_R2.fastq").open("w") as r2:
            for number in range(pairs + junk):
                name = f"{sample}_pair{number:04d}"
                truth.samples[sample].append(name)
                if number < pairs:
                    contig = rng.choice(names)
                    start = rng.randrange(0, len(contigs[contig]) - fragment)
                    piece = contigs[contig][start:start + fragment]
                    first, second = piece[:read_length], reverse_complement(piece[-read_length:])
                    truth.placed[name] = (contig, start + 1, start + fragment - read_length + 1)
                else:
                    first, second = random_sequence(rng, read_length), random_sequence(rng, read_length)
                    truth.unplaced.add(name)
                r1.write(fastq_record(name, first, 1))
                r2.write(fastq_record(name, second, 2))
    return truth
