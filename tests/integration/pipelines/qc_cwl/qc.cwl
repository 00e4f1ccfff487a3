#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: subsample, trim, align and measure coverage
doc: |
  A read-QC chain: subsample each sample's mates with one seed (seqtk sample), trim their 3'
  ends (seqtk trimfq), regroup the mates per sample (an ExpressionTool), align (bwa mem |
  samtools sort) and index, count the reads (samtools flagstat read by an ExpressionTool),
  measure coverage over windows of the reference (bedtools makewindows, bedtools coverage;
  skipped for one sample if asked, with `when` and `pickValue`), and turn the BAMs back into
  paired FASTQ (samtools collate | samtools fastq).

requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}
  SchemaDefRequirement:
    types:
      - $import: ../variants_cwl/types/sample.yml

inputs:
  reference: File
  samples: ../variants_cwl/types/sample.yml#Sample[]
  fraction: {type: float, default: 0.5}
  seed: {type: int, default: 11}
  trim_end: {type: int, default: 10}
  window: {type: int, default: 500}
  skip_coverage: {type: string?, doc: a sample whose coverage is not wanted}

steps:
  faidx:
    run: ../variants_cwl/tools/samtools-faidx.cwl
    in: {reference: reference}
    out: [indexed]
  bwa_index:
    run: ../variants_cwl/tools/bwa-index.cwl
    in: {reference: faidx/indexed}
    out: [index]
  make_windows:
    run: tools/bedtools-makewindows.cwl
    in: {reference: faidx/indexed, window: window}
    out: [windows]
  subsample_read1:
    run: tools/seqtk-sample.cwl
    scatter: reads
    in:
      reads: {source: samples, valueFrom: $(self.read1)}
      fraction: fraction
      seed: seed
    out: [subsampled]
  subsample_read2:
    run: tools/seqtk-sample.cwl
    scatter: reads
    in:
      reads: {source: samples, valueFrom: $(self.read2)}
      fraction: fraction
      seed: seed
    out: [subsampled]
  trim:
    run: tools/seqtk-trimfq.cwl
    scatter: reads
    in:
      reads:
        source: [subsample_read1/subsampled, subsample_read2/subsampled]
        linkMerge: merge_flattened
      trim_end: trim_end
    out: [trimmed]
  pair_up:
    run: tools/pair-up.cwl
    in:
      ids: {source: samples, valueFrom: "$(self.map(function(s) { return s.id; }))"}
      reads: trim/trimmed
    out: [samples]
  align:  # valueFrom is applied after the scatter, to each sample
    run: ../variants_cwl/tools/bwa-mem-sort.cwl
    scatter: [read1, read2, sample]
    scatterMethod: dotproduct
    in:
      index: bwa_index/index
      read1: {source: pair_up/samples, valueFrom: $(self.read1)}
      read2: {source: pair_up/samples, valueFrom: $(self.read2)}
      sample: {source: pair_up/samples, valueFrom: $(self.id)}
    out: [bam]
  index_bam:
    run: ../variants_cwl/tools/samtools-index.cwl
    scatter: bam
    in: {bam: align/bam}
    out: [indexed]
  flagstat:
    run: ../variants_cwl/tools/samtools-flagstat.cwl
    scatter: bam
    in: {bam: index_bam/indexed}
    out: [flagstat]
  count:
    run: tools/count-reads.cwl
    in:
      ids: {source: samples, valueFrom: "$(self.map(function(s) { return s.id; }))"}
      flagstats: flagstat/flagstat
    out: [counts]
  coverage:
    run: tools/bedtools-coverage.cwl
    scatter: [bam, sample]
    scatterMethod: dotproduct
    when: $(inputs.sample != inputs.skip)
    in:
      regions: make_windows/windows
      bam: index_bam/indexed
      sample: {source: samples, valueFrom: $(self.id)}
      skip: skip_coverage
    out: [coverage]
  to_fastq:
    run: tools/samtools-collate-fastq.cwl
    scatter: bam
    in: {bam: index_bam/indexed}
    out: [read1, read2]

outputs:
  windows: {type: File, outputSource: make_windows/windows}
  trimmed: {type: "File[]", outputSource: trim/trimmed}
  bams:
    type: File[]
    secondaryFiles: [.bai]
    outputSource: index_bam/indexed
  read_counts:
    type:
      type: array
      items:
        type: record
        fields:
          id: string
          reads: int
    outputSource: count/counts
  window_coverage:
    type: File[]
    outputSource: coverage/coverage
    pickValue: all_non_null
  roundtrip_read1: {type: "File[]", outputSource: to_fastq/read1}
  roundtrip_read2: {type: "File[]", outputSource: to_fastq/read2}
