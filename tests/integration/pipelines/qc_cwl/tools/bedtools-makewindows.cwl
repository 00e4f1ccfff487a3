#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: bedtools makewindows
doc: Tile every contig named in a FASTA index into windows of a fixed size, as BED.

requirements:
  InlineJavascriptRequirement: {}
hints:
  SoftwareRequirement:
    packages:
      bedtools: {specs: ["https://packages.debian.org/bedtools"]}
  ResourceRequirement: {coresMin: 1, ramMin: 128}

baseCommand: [bedtools, makewindows]
inputs:
  reference:
    type: File
    secondaryFiles: [.fai]
  window: {type: int, inputBinding: {prefix: -w}}
arguments:
  - prefix: -g
    valueFrom: $(inputs.reference.secondaryFiles[0].path)
stdout: windows.bed
outputs:
  windows: stdout
