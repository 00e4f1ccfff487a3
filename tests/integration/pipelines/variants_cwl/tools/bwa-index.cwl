#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: bwa index
doc: |
  Build the BWA index of a reference. bwa writes the index files next to its input, so the
  reference and its .fai are hard-linked into the working directory first (copied across
  file systems, where links cannot go); the result is the reference
  with the index and the .fai as secondary files.

requirements:
  ShellCommandRequirement: {}
  InlineJavascriptRequirement: {}
hints:
  SoftwareRequirement:
    packages:
      bwa: {specs: ["https://packages.debian.org/bwa"]}
  ResourceRequirement:
    coresMin: 1
    ramMin: $(Math.max(512, Math.ceil(inputs.reference.size * 6 / 1048576)))

inputs:
  reference:
    type: File
    secondaryFiles: [.fai]
  algorithm:
    type:
      - "null"
      - type: enum
        symbols: [is, bwtsw]
    doc: is for references under 2 GB (bwa's own choice when unset)

arguments:
  - shellQuote: false
    valueFrom: >-
      for f in '$(inputs.reference.path)'*; do ln -L "$f" . 2>/dev/null || cp -L "$f" .; done;
      bwa index $(inputs.algorithm ? "-a " + inputs.algorithm : "") '$(inputs.reference.basename)'

outputs:
  index:
    type: File
    secondaryFiles: [.amb, .ann, .bwt, .pac, .sa, .fai]
    outputBinding: {glob: $(inputs.reference.basename)}
