#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: one sample, reads to an indexed BAM
doc: Align one sample's read pairs, sort, index and count them.

requirements:
  SchemaDefRequirement:
    types:
      - $import: types/sample.yml

inputs:
  sample: types/sample.yml#Sample
  index:
    type: File
    secondaryFiles: [.amb, .ann, .bwt, .pac, .sa]
  threads: {type: int, default: 1}

steps:
  align:
    run: tools/bwa-mem-sort.cwl
    in:
      index: index
      read1: {source: sample, valueFrom: $(self.read1)}
      read2: {source: sample, valueFrom: $(self.read2)}
      sample: {source: sample, valueFrom: $(self.id)}
      threads: threads
    out: [bam]
  index_bam:
    run: tools/samtools-index.cwl
    in: {bam: align/bam}
    out: [indexed]
  count:
    run: tools/samtools-flagstat.cwl
    in: {bam: index_bam/indexed}
    out: [flagstat]

outputs:
  bam:
    type: File
    secondaryFiles: [.bai]
    outputSource: index_bam/indexed
  flagstat:
    type: File
    outputSource: count/flagstat
