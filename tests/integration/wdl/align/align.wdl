version 1.0

# A small alignment pipeline in the shape real ones have: index the reference once, then for
# every sample align with bwa mem and sort, then merge the samples' BAMs and count them.
# Every task runs the host's bwa and samtools.

import "tasks/bwa.wdl" as bwa
import "tasks/samtools.wdl" as samtools

struct Sample {
    String id
    File read1
    File? read2
}

workflow Align {
    input {
        File referenceFasta
        Array[Sample] samples
        String outputDir = "."
    }

    call bwa.Index as index {
        input:
            fasta = referenceFasta,
            outputDir = outputDir + "/reference"
    }

    scatter (sample in samples) {
        String sampleDir = outputDir + "/samples/" + sample.id

        call bwa.Mem as align {
            input:
                read1 = sample.read1,
                read2 = sample.read2,
                index = index.index,
                outputPrefix = sampleDir + "/" + sample.id + ".unsorted",
                readGroup = "@RG\\tID:" + sample.id + "\\tSM:" + sample.id
        }

        call samtools.Sort as sort {
            input:
                inputBam = align.bam,
                outputPath = sampleDir + "/" + sample.id + ".bam"
        }
    }

    call samtools.Merge as merge {
        input:
            bamFiles = sort.outputBam,
            outputBamPath = outputDir + "/merged.bam"
    }

    call samtools.Flagstat as flagstat {
        input:
            inputBam = merge.outputBam,
            outputPath = outputDir + "/merged.flagstat.txt"
    }

    output {
        File mergedBam = merge.outputBam
        File mergedBamIndex = merge.outputBamIndex
        Array[File] sampleBams = sort.outputBam
        Array[File] sampleBamIndexes = sort.outputBamIndex
        File flagstats = flagstat.flagstat
    }
}
