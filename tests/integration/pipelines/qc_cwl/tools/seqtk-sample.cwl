#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: seqtk sample
doc: Subsample a FASTQ; mates sampled with the same seed and fraction stay paired.

requirements:
  InlineJavascriptRequirement: {}
hints:
  SoftwareRequirement:
    packages:
      seqtk: {specs: ["https://packages.debian.org/seqtk"]}
  ResourceRequirement: {coresMin: 1, ramMin: 256}

baseCommand: [seqtk, sample]
inputs:
  seed: {type: int, default: 11, inputBinding: {prefix: -s, separate: false, position: 1}}
  reads: {type: File, inputBinding: {position: 2}}
  fraction: {type: float, inputBinding: {position: 3}}
stdout: $(inputs.reads.nameroot).sub.fastq
outputs:
  subsampled: stdout
