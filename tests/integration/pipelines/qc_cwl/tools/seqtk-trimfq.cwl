#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: seqtk trimfq
doc: Trim a fixed number of bases off the 3' end of every read (and off the 5' end, if asked).

requirements:
  InlineJavascriptRequirement: {}
hints:
  SoftwareRequirement:
    packages:
      seqtk: {specs: ["https://packages.debian.org/seqtk"]}
  ResourceRequirement: {coresMin: 1, ramMin: 256}

baseCommand: [seqtk, trimfq]
inputs:
  trim_start: {type: int, default: 0, inputBinding: {prefix: -b, position: 1}}
  trim_end: {type: int, default: 0, inputBinding: {prefix: -e, position: 1}}
  reads: {type: File, inputBinding: {position: 2}}
stdout: $(inputs.reads.nameroot.replace(/\.sub$/, "")).trimmed.fastq
outputs:
  trimmed: stdout
