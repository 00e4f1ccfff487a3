version 1.0

# samtools tasks for the alignment test pipeline (../align.wdl).

task Sort {
    input {
        File inputBam
        String outputPath
        Int threads = 1
        String memory = "1GiB"
        Int timeMinutes = 5
    }

    command <<<
        set -e
        mkdir -p "$(dirname "~{outputPath}")"
        samtools sort -@ ~{threads - 1} -o "~{outputPath}" "~{inputBam}"
        samtools index "~{outputPath}"
    >>>

    output {
        File outputBam = outputPath
        File outputBamIndex = outputPath + ".bai"
    }

    runtime {
        cpu: threads
        memory: memory
        time_minutes: timeMinutes
    }

    parameter_meta {
        inputBam: {description: "The BAM to sort by coordinate.", category: "required"}
        outputPath: {description: "Where the sorted BAM goes; its index goes beside it.", category: "required"}
    }
}

task Merge {
    input {
        Array[File]+ bamFiles
        String outputBamPath
        Int threads = 1
        String memory = "1GiB"
        Int timeMinutes = 5
    }

    command <<<
        set -e
        mkdir -p "$(dirname "~{outputBamPath}")"
        samtools merge -f -@ ~{threads - 1} "~{outputBamPath}" ~{sep=" " bamFiles}
        samtools index "~{outputBamPath}"
    >>>

    output {
        File outputBam = outputBamPath
        File outputBamIndex = outputBamPath + ".bai"
    }

    runtime {
        cpu: threads
        memory: memory
        time_minutes: timeMinutes
    }

    parameter_meta {
        bamFiles: {description: "Coordinate-sorted BAMs to merge.", category: "required"}
        outputBamPath: {description: "Where the merged BAM goes; its index goes beside it.", category: "required"}
    }
}

task Flagstat {
    input {
        File inputBam
        String outputPath
        String memory = "256MiB"
        Int timeMinutes = 2
    }

    command <<<
        set -e
        mkdir -p "$(dirname "~{outputPath}")"
        samtools flagstat "~{inputBam}" > "~{outputPath}"
    >>>

    output {
        File flagstat = outputPath
    }

    runtime {
        cpu: 1
        memory: memory
        time_minutes: timeMinutes
    }
}
