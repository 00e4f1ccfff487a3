#!/usr/bin/env cwl-runner
# Count words in two containers (or on the host with --no-container); the outputs are the same.
#   toil-cwl-runner examples/containers/wordcount.cwl examples/containers/wordcount-job.yml
cwlVersion: v1.2
class: Workflow
requirements:
  InlineJavascriptRequirement: {}
inputs:
  text: File
outputs:
  counts:
    type: File
    outputSource: count/counts
  summary:
    type: File
    outputSource: summarize/summary
  top:
    type: string
    outputSource: summarize/top
steps:
  count:
    in: {text: text}
    out: [counts]
    run:
      class: CommandLineTool
      requirements:
        DockerRequirement:
          dockerPull: docker.io/debian:stable-slim
        EnvVarRequirement:
          envDef: {SEPARATOR: " ", LC_ALL: C}
        InitialWorkDirRequirement:
          listing:
            - entryname: count.sh
              entry: |
                tr -s "$SEPARATOR" '\n' | sort | uniq -c | sort -k1,1nr -k2 | sed 's/^ *//'
      inputs:
        text: File
      baseCommand: [sh, count.sh]
      stdin: $(inputs.text.path)
      stdout: counts.txt
      outputs:
        counts: stdout
  summarize:
    in: {counts: count/counts}
    out: [summary, top]
    run:
      class: CommandLineTool
      requirements:
        DockerRequirement:
          dockerPull: docker.io/python:3-slim
        InitialWorkDirRequirement:
          listing:
            - entryname: summarize.py
              entry: |
                import json, sys
                pairs = [line.split() for line in open(sys.argv[1])]
                total = sum(int(n) for n, _ in pairs)
                json.dump({"words": total, "distinct": len(pairs), "top": pairs[0][1]}, open("summary.json", "w"))
      inputs:
        counts: {type: File, inputBinding: {position: 1}}
      baseCommand: [python3, summarize.py]
      outputs:
        summary: {type: File, outputBinding: {glob: summary.json}}
        top:
          type: string
          outputBinding:
            glob: summary.json
            loadContents: true
            outputEval: $(JSON.parse(self[0].contents).top)
