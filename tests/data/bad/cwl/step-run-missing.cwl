cwlVersion: v1.2
class: Workflow
inputs:
  message: string
outputs: []
steps:
  s:
    run: does-not-exist.cwl
    in: {message: message}
    out: []
