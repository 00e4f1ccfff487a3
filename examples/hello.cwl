#!/usr/bin/env cwl-runner
# toil-cwl-runner examples/hello.cwl examples/hello-job.yml
cwlVersion: v1.2
class: CommandLineTool
doc: Write a greeting to a file.
baseCommand: echo
inputs:
  message:
    type: string
    default: Hello, world!
    inputBinding:
      position: 1
stdout: hello.txt
outputs:
  output:
    type: stdout
