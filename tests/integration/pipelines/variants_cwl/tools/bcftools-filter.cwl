#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: bcftools filter
doc: Keep the SNPs that pass an expression, as bgzipped VCF with its tabix index.

hints:
  SoftwareRequirement:
    packages:
      bcftools: {specs: ["https://packages.debian.org/bcftools"]}
  ResourceRequirement: {coresMin: 1, ramMin: 256}

baseCommand: [bash, -o, pipefail, -c]
arguments:
  - valueFrom: >-
      bcftools view --types snps --output-type u '$(inputs.calls.path)'
      | bcftools filter --include '$(inputs.include)' --output-type z --output '$(inputs.output_name)' -
      && bcftools index --tbi '$(inputs.output_name)'
inputs:
  calls: File
  include: {type: string, default: "QUAL>=20 && INFO/DP>=5"}
  output_name: {type: string, default: filtered.vcf.gz}
outputs:
  filtered:
    type: File
    secondaryFiles: [.tbi]
    outputBinding: {glob: $(inputs.output_name)}
