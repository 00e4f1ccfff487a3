#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools merge
doc: Merge coordinate-sorted BAMs (their read groups kept) into one sorted BAM.

hints:
  SoftwareRequirement:
    packages:
      samtools: {specs: ["https://packages.debian.org/samtools"]}
  ResourceRequirement:
    coresMin: $(inputs.threads)
    ramMin: 512

baseCommand: [samtools, merge]
arguments: [-f, {prefix: -@, valueFrom: $(inputs.threads - 1)}]
inputs:
  output_name: {type: string, default: merged.bam, inputBinding: {position: 1}}
  bams:
    type: File[]
    inputBinding: {position: 2}
  threads: {type: int, default: 1}
outputs:
  merged:
    type: File
    outputBinding: {glob: $(inputs.output_name)}
