#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: germline SNPs of a cohort
doc: |
  Index the reference once (samtools faidx, bwa index); per sample align, sort, index and
  count; merge the samples' BAMs; pile up and call all samples together with bcftools;
  keep the SNPs that pass a filter, and summarise them.

requirements:
  SubworkflowFeatureRequirement: {}
  ScatterFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}
  SchemaDefRequirement:
    types:
      - $import: types/sample.yml

inputs:
  reference: File
  samples: types/sample.yml#Sample[]
  threads: {type: int, default: 1}
  filter_expression: {type: string, default: "QUAL>=20 && INFO/DP>=5"}

steps:
  faidx:
    run: tools/samtools-faidx.cwl
    in: {reference: reference}
    out: [indexed]
  bwa_index:
    run: tools/bwa-index.cwl
    in: {reference: faidx/indexed}
    out: [index]
  per_sample:
    run: per-sample.cwl
    scatter: sample
    in:
      sample: samples
      index: bwa_index/index
      threads: threads
    out: [bam, flagstat]
  merge:
    run: tools/samtools-merge.cwl
    in:
      bams: per_sample/bam
      threads: threads
    out: [merged]
  index_merged:
    run: tools/samtools-index.cwl
    in: {bam: merge/merged}
    out: [indexed]
  mpileup:
    run: tools/bcftools-mpileup.cwl
    in:
      reference: faidx/indexed
      bam: index_merged/indexed
      threads: threads
    out: [pileup]
  call:
    run: tools/bcftools-call.cwl
    in: {pileup: mpileup/pileup}
    out: [calls]
  filter:
    run: tools/bcftools-filter.cwl
    in: {calls: call/calls, include: filter_expression}
    out: [filtered]
  stats:
    run: tools/bcftools-stats.cwl
    in: {vcf: filter/filtered, reference: faidx/indexed}
    out: [stats]

outputs:
  sample_bams:
    type: File[]
    secondaryFiles: [.bai]
    outputSource: per_sample/bam
  flagstats: {type: "File[]", outputSource: per_sample/flagstat}
  merged_bam:
    type: File
    secondaryFiles: [.bai]
    outputSource: index_merged/indexed
  calls: {type: File, outputSource: call/calls}
  snps:
    type: File
    secondaryFiles: [.tbi]
    outputSource: filter/filtered
  vcf_stats: {type: File, outputSource: stats/stats}
