#!/usr/bin/env cwl-runner
# Chaos test workflow: every tool run appends "<label> <pid>" to an effects file outside the
# job store (one short append), then does a little work; outputs are deterministic.
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  effects: string
  items: string[]
outputs:
  parts:
    type: File[]
    outputSource: work/out
  joined:
    type: File
    outputSource: join/out
steps:
  work:
    run: work.cwl
    scatter: item
    in:
      effects: effects
      item: items
    out: [out]
  join:
    run: join.cwl
    in:
      effects: effects
      parts: work/out
    out: [out]
