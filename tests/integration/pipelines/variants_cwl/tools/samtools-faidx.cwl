#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools faidx
doc: Index a FASTA reference; the .fai is written beside the reference, so it is staged writable.

requirements:
  InitialWorkDirRequirement:
    listing:
      - entry: $(inputs.reference)
        writable: true
hints:
  SoftwareRequirement:
    packages:
      samtools: {specs: ["https://packages.debian.org/samtools"]}
  ResourceRequirement:
    coresMin: 1
    ramMin: 256

baseCommand: [samtools, faidx]
inputs:
  reference:
    type: File
    inputBinding: {position: 1, valueFrom: $(self.basename)}
outputs:
  indexed:
    type: File
    format: edam:format_1929
    secondaryFiles: [.fai]
    outputBinding: {glob: $(inputs.reference.basename)}

$namespaces: {edam: "http://edamontology.org/"}
