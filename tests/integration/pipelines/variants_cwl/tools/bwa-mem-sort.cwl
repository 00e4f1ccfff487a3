#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: bwa mem | samtools sort
doc: Align read pairs and sort the alignments by coordinate in one pipe, no SAM on disk.

requirements:
  InlineJavascriptRequirement: {}
hints:
  SoftwareRequirement:
    packages:
      bwa: {specs: ["https://packages.debian.org/bwa"]}
      samtools: {specs: ["https://packages.debian.org/samtools"]}
  ResourceRequirement:
    coresMin: $(inputs.threads)
    ramMin: $(1024 + 256 * inputs.threads)

inputs:
  index:
    type: File
    secondaryFiles: [.amb, .ann, .bwt, .pac, .sa]
  read1: File
  read2: File?
  sample: string
  threads: {type: int, default: 1}

baseCommand: [bash, -o, pipefail, -c]
arguments:
  - valueFrom: >-
      bwa mem -t $(inputs.threads) -R '@RG\tID:$(inputs.sample)\tSM:$(inputs.sample)'
      '$(inputs.index.path)' '$(inputs.read1.path)' $(inputs.read2 ? "'" + inputs.read2.path + "'" : "")
      | samtools sort -@ $(inputs.threads - 1) -T sort.tmp -o '$(inputs.sample).bam' -

outputs:
  bam:
    type: File
    outputBinding: {glob: $(inputs.sample).bam}
