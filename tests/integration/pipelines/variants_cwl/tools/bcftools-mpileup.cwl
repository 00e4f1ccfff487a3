#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: bcftools mpileup
doc: Genotype likelihoods of every sample in an indexed BAM, as uncompressed BCF for bcftools call.

hints:
  SoftwareRequirement:
    packages:
      bcftools: {specs: ["https://packages.debian.org/bcftools"]}
  ResourceRequirement:
    coresMin: $(inputs.threads)
    ramMin: 512

baseCommand: [bcftools, mpileup]
arguments:
  - {prefix: --threads, valueFrom: $(inputs.threads - 1)}
  - {prefix: --output-type, valueFrom: u}
  - {prefix: --output, valueFrom: $(inputs.bam.nameroot).pileup.bcf}
  - {prefix: --annotate, valueFrom: "FORMAT/AD,FORMAT/DP"}
inputs:
  reference:
    type: File
    secondaryFiles: [.fai]
    inputBinding: {prefix: --fasta-ref, position: 1}
  bam:
    type: File
    secondaryFiles: [.bai]
    inputBinding: {position: 10}
  min_base_quality: {type: int, default: 13, inputBinding: {prefix: --min-BQ}}
  min_mapping_quality: {type: int, default: 0, inputBinding: {prefix: --min-MQ}}
  threads: {type: int, default: 1}
outputs:
  pileup:
    type: File
    outputBinding: {glob: $(inputs.bam.nameroot).pileup.bcf}
