version 1.0

# One sample's reads to a sorted, indexed, counted BAM: the sub-workflow variants.wdl scatters.

import "tasks/reference.wdl" as prep
import "tasks/samtools.wdl"

struct Sample {
    String id
    File read1
    File? read2
}

workflow AlignSample {
    input {
        Sample sample
        Reference reference
        Int threads = 1
    }

    call samtools.BwaMemSort as align {
        input:
            read1 = sample.read1,
            read2 = sample.read2,
            reference = reference,
            sample = sample.id,
            threads = threads
    }

    call samtools.Index as index {
        input:
            bam = align.bam
    }

    call samtools.Flagstat as flagstat {
        input:
            bam = index.indexedBam
    }

    output {
        File bam = index.indexedBam
        File bai = index.bai
        File flagstats = flagstat.flagstat
    }
}
