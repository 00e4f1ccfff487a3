#!/usr/bin/env cwl-runner
# Scatter for the multi-node cluster tests: each run reports "<item> <hostname>" and a
# "seen PATH" line for each of the leader's paths that exists on its node.
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  items: string[]
  hidden: string[]
outputs:
  reports:
    type: File[]
    outputSource: probe/report
steps:
  probe:
    scatter: item
    in:
      item: items
      hidden: hidden
    out: [report]
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo "$0 $(hostname)"; for p in "$@"; do if [ -e "$p" ]; then echo "seen $p"; fi; done']
      inputs:
        item:
          type: string
          inputBinding: {position: 1}
        hidden:
          type: string[]
          inputBinding: {position: 2}
      stdout: report.txt
      outputs:
        report: stdout
