#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: bcftools stats
hints:
  SoftwareRequirement:
    packages:
      bcftools: {specs: ["https://packages.debian.org/bcftools"]}
  ResourceRequirement: {coresMin: 1, ramMin: 256}

baseCommand: [bcftools, stats]
inputs:
  vcf:
    type: File
    secondaryFiles: [.tbi]
    inputBinding: {position: 1}
  reference:
    type: File?
    secondaryFiles: [.fai]
    inputBinding: {prefix: --fasta-ref}
stdout: $(inputs.vcf.nameroot).stats.txt
outputs:
  stats: stdout
