#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: samtools index
doc: Index a coordinate-sorted BAM; the BAM comes back with its .bai as a secondary file.

requirements:
  InitialWorkDirRequirement:
    listing: [$(inputs.bam)]
hints:
  SoftwareRequirement:
    packages:
      samtools: {specs: ["https://packages.debian.org/samtools"]}
  ResourceRequirement: {coresMin: 1, ramMin: 256}

baseCommand: [samtools, index]
inputs:
  bam:
    type: File
    inputBinding: {position: 1, valueFrom: $(self.basename)}
outputs:
  indexed:
    type: File
    secondaryFiles: [.bai]
    outputBinding: {glob: $(inputs.bam.basename)}
