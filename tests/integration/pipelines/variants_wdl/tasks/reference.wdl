version 1.0

# Preparing a reference once for a cohort: the FASTA index samtools and bcftools want, and
# the BWA index. Both tools write beside their input, so each task first links the files it
# is given into its own directory (a hard link, or a copy where a link cannot go).

struct Reference {
    File fasta
    File fai
    Array[File] bwaIndex  # .amb .ann .bwt .pac .sa, beside fasta when localized
}

task Faidx {
    input {
        File fasta
        String memory = "256MiB"
        Int timeMinutes = 2
    }

    String name = basename(fasta)

    command <<<
        set -e
        ln "~{fasta}" "~{name}" 2> /dev/null || cp "~{fasta}" "~{name}"
        samtools faidx "~{name}"
    >>>

    output {
        File indexedFasta = name
        File fai = name + ".fai"
    }

    runtime {
        cpu: 1
        memory: memory
        time_minutes: timeMinutes
    }

    parameter_meta {
        fasta: {description: "The reference, uncompressed FASTA.", category: "required"}
    }
}

task BwaIndex {
    input {
        File fasta
        File fai
        String? algorithm  # is or bwtsw; bwa picks one by size when unset
        Int timeMinutes = 1 + ceil(size(fasta, "MiB") / 10)
    }

    String name = basename(fasta)

    command <<<
        set -e
        for f in "~{fasta}" "~{fai}"; do
            ln "$f" . 2> /dev/null || cp "$f" .
        done
        bwa index ~{"-a " + algorithm} "~{name}"
    >>>

    output {
        Reference reference = object {
            fasta: name,
            fai: name + ".fai",
            bwaIndex: [name + ".amb", name + ".ann", name + ".bwt", name + ".pac", name + ".sa"]
        }
    }

    runtime {
        cpu: 1
        memory: "~{512 + ceil(size(fasta, "MiB") * 6)}MiB"
        time_minutes: timeMinutes
    }
}
