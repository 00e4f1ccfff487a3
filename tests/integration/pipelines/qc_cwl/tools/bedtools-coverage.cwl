#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: bedtools coverage
doc: For each region, the alignments of a BAM that overlap it, the bases covered, its length and the fraction covered.

requirements:
  InlineJavascriptRequirement: {}
hints:
  SoftwareRequirement:
    packages:
      bedtools: {specs: ["https://packages.debian.org/bedtools"]}
  ResourceRequirement:
    coresMin: 1
    ramMin: $(256 + Math.ceil(inputs.bam.size / 1048576))

baseCommand: [bedtools, coverage]
inputs:
  regions: {type: File, inputBinding: {prefix: -a, position: 1}}
  bam: {type: File, inputBinding: {prefix: -b, position: 2}}
  sample: string
stdout: $(inputs.sample).coverage.bed
outputs:
  coverage: stdout
