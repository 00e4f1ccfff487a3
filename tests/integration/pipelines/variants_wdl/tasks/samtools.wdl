version 1.0

# Alignment tasks for the variant pipeline: align and sort in one pipe, index, count, merge.

import "reference.wdl" as prep

task BwaMemSort {
    input {
        File read1
        File? read2
        Reference reference
        String sample
        Int threads = 1
        String memory = "1GiB"
    }

    command <<<
        set -e -o pipefail
        bwa mem -t ~{threads} -R '@RG\tID:~{sample}\tSM:~{sample}' \
            "~{reference.fasta}" "~{read1}" ~{"\"" + read2 + "\""} \
            | samtools sort -@ ~{threads - 1} -T sort.tmp -o "~{sample}.bam" -
    >>>

    output {
        File bam = sample + ".bam"
    }

    runtime {
        cpu: threads
        memory: memory
    }

    parameter_meta {
        reference: {description: "The reference with its BWA index beside it.", category: "required"}
        sample: {description: "Read group ID and SM, and the BAM's name.", category: "required"}
    }
}

task Index {
    input {
        File bam
    }

    String name = basename(bam)

    command <<<
        set -e
        ln "~{bam}" "~{name}" 2> /dev/null || cp "~{bam}" "~{name}"
        samtools index "~{name}"
    >>>

    output {
        File indexedBam = name
        File bai = name + ".bai"
    }

    runtime {
        cpu: 1
        memory: "256MiB"
    }
}

task Flagstat {
    input {
        File bam
    }

    command <<<
        samtools flagstat "~{bam}" > "~{basename(bam, ".bam")}.flagstat.txt"
    >>>

    output {
        File flagstat = basename(bam, ".bam") + ".flagstat.txt"
    }

    runtime {
        cpu: 1
        memory: "256MiB"
    }
}

task Merge {
    input {
        Array[File] bams
        String outputName = "merged.bam"
        Int threads = 1
    }

    command <<<
        samtools merge -f -@ ~{threads - 1} "~{outputName}" ~{sep=" " bams}
    >>>

    output {
        File merged = outputName
    }

    runtime {
        cpu: threads
        memory: "512MiB"
    }
}
