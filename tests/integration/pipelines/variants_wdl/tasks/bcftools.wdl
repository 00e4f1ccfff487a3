version 1.0

# bcftools tasks for the variant pipeline: pile up, call, filter, summarise.

task Mpileup {
    input {
        File bam
        File bai
        File fasta
        File fai
        Int minBaseQuality = 13
        Int minMappingQuality = 0
        Int threads = 1
    }

    String name = basename(bam, ".bam")

    command <<<
        set -e
        # bcftools looks for each index beside its file.
        for f in "~{bam}" "~{bai}" "~{fasta}" "~{fai}"; do
            ln "$f" . 2> /dev/null || cp "$f" .
        done
        bcftools mpileup --threads ~{threads - 1} --output-type u --output "~{name}.pileup.bcf" \
            --annotate FORMAT/AD,FORMAT/DP --min-BQ ~{minBaseQuality} --min-MQ ~{minMappingQuality} \
            --fasta-ref "~{basename(fasta)}" "~{basename(bam)}"
    >>>

    output {
        File pileup = name + ".pileup.bcf"
    }

    runtime {
        cpu: threads
        memory: "512MiB"
    }
}

task Call {
    input {
        File pileup
        String outputName = "calls.vcf.gz"
    }

    command <<<
        bcftools call --multiallelic-caller --variants-only --output-type z --output "~{outputName}" "~{pileup}"
    >>>

    output {
        File calls = outputName
    }

    runtime {
        cpu: 1
        memory: "512MiB"
    }
}

task Filter {
    input {
        File calls
        String include = "QUAL>=20 && INFO/DP>=5"
        String outputName = "filtered.vcf.gz"
    }

    command <<<
        set -e -o pipefail
        bcftools view --types snps --output-type u "~{calls}" \
            | bcftools filter --include '~{include}' --output-type z --output "~{outputName}" -
        bcftools index --tbi "~{outputName}"
    >>>

    output {
        File vcf = outputName
        File tbi = outputName + ".tbi"
    }

    runtime {
        cpu: 1
        memory: "256MiB"
    }
}

task Stats {
    input {
        File vcf
        File tbi
        File? fasta
        File? fai
    }

    command <<<
        bcftools stats ~{"--fasta-ref " + fasta} "~{vcf}" > "~{basename(vcf, ".vcf.gz")}.stats.txt"
    >>>

    output {
        File stats = basename(vcf, ".vcf.gz") + ".stats.txt"
    }

    runtime {
        cpu: 1
        memory: "256MiB"
    }
}
