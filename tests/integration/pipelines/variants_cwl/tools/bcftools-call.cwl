#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: bcftools call
doc: Multiallelic calling of variant sites only, written as bgzipped VCF.

hints:
  SoftwareRequirement:
    packages:
      bcftools: {specs: ["https://packages.debian.org/bcftools"]}
  ResourceRequirement: {coresMin: 1, ramMin: 512}

baseCommand: [bcftools, call, --multiallelic-caller, --variants-only]
arguments:
  - {prefix: --output-type, valueFrom: z}
  - {prefix: --output, valueFrom: $(inputs.output_name)}
inputs:
  pileup: {type: File, inputBinding: {position: 10}}
  ploidy: {type: string?, inputBinding: {prefix: --ploidy}}
  output_name: {type: string, default: calls.vcf.gz}
outputs:
  calls:
    type: File
    outputBinding: {glob: $(inputs.output_name)}
