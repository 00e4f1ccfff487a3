version 1.0

# Germline SNPs of a small cohort: index the reference once, align every sample in a
# sub-workflow, merge, then pile up, call and filter all samples together. The summary of
# the calls is optional, as such steps are in real pipelines.

import "tasks/reference.wdl" as prep
import "tasks/samtools.wdl"
import "tasks/bcftools.wdl"
import "sample.wdl"

workflow Variants {
    input {
        File referenceFasta
        Array[Sample] samples
        String filterExpression = "QUAL>=20 && INFO/DP>=5"
        Boolean runStats = true
        Int threads = 1
    }

    call prep.Faidx as faidx {
        input:
            fasta = referenceFasta
    }

    call prep.BwaIndex as bwaIndex {
        input:
            fasta = faidx.indexedFasta,
            fai = faidx.fai
    }

    scatter (s in samples) {
        call sample.AlignSample as perSample {
            input:
                sample = s,
                reference = bwaIndex.reference,
                threads = threads
        }
    }

    call samtools.Merge as merge {
        input:
            bams = perSample.bam,
            threads = threads
    }

    call samtools.Index as indexMerged {
        input:
            bam = merge.merged
    }

    call bcftools.Mpileup as mpileup {
        input:
            bam = indexMerged.indexedBam,
            bai = indexMerged.bai,
            fasta = faidx.indexedFasta,
            fai = faidx.fai,
            threads = threads
    }

    call bcftools.Call as callVariants {
        input:
            pileup = mpileup.pileup
    }

    call bcftools.Filter as filter {
        input:
            calls = callVariants.calls,
            include = filterExpression
    }

    if (runStats) {
        call bcftools.Stats as stats {
            input:
                vcf = filter.vcf,
                tbi = filter.tbi,
                fasta = faidx.indexedFasta,
                fai = faidx.fai
        }
    }

    output {
        Array[File] sampleBams = perSample.bam
        Array[File] sampleBamIndexes = perSample.bai
        Array[File] flagstats = perSample.flagstats
        File mergedBam = indexMerged.indexedBam
        File mergedBamIndex = indexMerged.bai
        File calls = callVariants.calls
        File snps = filter.vcf
        File snpsIndex = filter.tbi
        File? vcfStats = stats.stats
    }
}
