#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools collate | samtools fastq
doc: Back from a coordinate-sorted BAM to paired FASTQ files, mates next to each other again.

requirements:
  InlineJavascriptRequirement: {}
hints:
  SoftwareRequirement:
    packages:
      samtools: {specs: ["https://packages.debian.org/samtools"]}
  ResourceRequirement: {coresMin: 1, ramMin: 512}

baseCommand: [bash, -o, pipefail, -c]
arguments:
  - valueFrom: >-
      samtools collate -O -u '$(inputs.bam.path)' collate.tmp
      | samtools fastq -1 '$(inputs.bam.nameroot)_1.fastq' -2 '$(inputs.bam.nameroot)_2.fastq'
      -0 /dev/null -s /dev/null -
inputs:
  bam: File
outputs:
  read1: {type: File, outputBinding: {glob: $(inputs.bam.nameroot)_1.fastq}}
  read2: {type: File, outputBinding: {glob: $(inputs.bam.nameroot)_2.fastq}}
