version 1.0

# BWA tasks for the alignment test pipeline (../align.wdl), written in the shape of published
# WDL task libraries: sizes and threads are inputs, outputs go under a path the caller names,
# and an index travels as one value holding the reference and every file bwa made beside it.

struct BwaIndex {
    File fastaFile
    Array[File] indexFiles
}

task Index {
    input {
        File fasta
        String outputDir = "bwa_index"

        String memory = "1GiB"
        Int timeMinutes = 5
    }

    # bwa writes its index beside the reference, so the reference is copied where the index goes.
    String indexedFasta = outputDir + "/" + basename(fasta)

    command <<<
        set -e
        mkdir -p "~{outputDir}"
        cp "~{fasta}" "~{indexedFasta}"
        bwa index "~{indexedFasta}"
    >>>

    output {
        BwaIndex index = object {
            fastaFile: indexedFasta,
            indexFiles: [indexedFasta + ".amb", indexedFasta + ".ann", indexedFasta + ".bwt",
                         indexedFasta + ".pac", indexedFasta + ".sa"]
        }
    }

    runtime {
        cpu: 1
        memory: memory
        time_minutes: timeMinutes
    }

    parameter_meta {
        fasta: {description: "The reference, uncompressed FASTA.", category: "required"}
        outputDir: {description: "Directory the indexed reference is written to.", category: "common"}
        memory: {description: "Memory the job asks for.", category: "advanced"}
        timeMinutes: {description: "Time the job may take.", category: "advanced"}
    }
}

task Mem {
    input {
        File read1
        File? read2
        BwaIndex index
        String outputPrefix
        String? readGroup

        Int threads = 1
        String memory = "1GiB"
        Int timeMinutes = 10
    }

    command <<<
        set -e -o pipefail
        mkdir -p "$(dirname "~{outputPrefix}")"
        bwa mem -t ~{threads} \
            ~{if defined(readGroup) then "-R '" + readGroup + "'" else ""} \
            "~{index.fastaFile}" \
            "~{read1}" ~{"\"" + read2 + "\""} \
            | samtools view -b -o "~{outputPrefix}.bam" -
    >>>

    output {
        File bam = outputPrefix + ".bam"
    }

    runtime {
        cpu: threads
        memory: memory
        time_minutes: timeMinutes
    }

    parameter_meta {
        read1: {description: "First (or only) reads, FASTQ.", category: "required"}
        read2: {description: "Mates of read1, FASTQ, for paired-end data.", category: "common"}
        index: {description: "The reference and its bwa index files.", category: "required"}
        outputPrefix: {description: "Path of the BAM written, without its extension.", category: "required"}
        readGroup: {description: "The @RG header line, tabs written as \\t.", category: "common"}
        threads: {description: "Threads bwa mem uses.", category: "advanced"}
    }
}
