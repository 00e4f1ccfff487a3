#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: ExpressionTool
label: regroup mates
doc: |
  Turn the flat list of processed FASTQs (every sample's read1, then every sample's read2,
  as a merge_flattened link gives them) back into one record per sample.

requirements:
  InlineJavascriptRequirement: {}
  SchemaDefRequirement:
    types:
      - $import: ../../variants_cwl/types/sample.yml

inputs:
  ids: string[]
  reads: File[]
outputs:
  samples: ../../variants_cwl/types/sample.yml#Sample[]
expression: |
  ${
    if (inputs.reads.length != 2 * inputs.ids.length) {
      throw "expected two FASTQs per sample, got " + inputs.reads.length + " for " + inputs.ids.length;
    }
    return {samples: inputs.ids.map(function(id, i) {
      return {id: id, read1: inputs.reads[i], read2: inputs.reads[inputs.ids.length + i]};
    })};
  }
