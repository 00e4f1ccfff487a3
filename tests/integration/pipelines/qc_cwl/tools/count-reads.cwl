#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: ExpressionTool
label: reads per sample from flagstat
doc: The first number of each samtools flagstat report (all reads, QC-passed), keyed by sample.

requirements:
  InlineJavascriptRequirement: {}

inputs:
  ids: string[]
  flagstats:
    type: File[]
    loadContents: true
outputs:
  counts:
    type:
      type: array
      items:
        type: record
        name: SampleCount
        fields:
          id: string
          reads: int
expression: |
  ${
    return {counts: inputs.flagstats.map(function(report, i) {
      return {id: inputs.ids[i], reads: parseInt(report.contents.split(" ")[0], 10)};
    })};
  }
