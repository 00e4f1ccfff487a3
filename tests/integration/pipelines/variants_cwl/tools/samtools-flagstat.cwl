#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools flagstat
requirements:
  InlineJavascriptRequirement: {}
hints:
  SoftwareRequirement:
    packages:
      samtools: {specs: ["https://packages.debian.org/samtools"]}
  ResourceRequirement: {coresMin: 1, ramMin: 256}

baseCommand: [samtools, flagstat]
inputs:
  bam:
    type: File
    inputBinding: {position: 1}
stdout: $(inputs.bam.nameroot).flagstat.txt
outputs:
  flagstat: stdout
