cwlVersion: v1.2
class: Workflow
inputs:
  message: string
outputs:
  out:
    type: File
    outputSource: nosuchstep/out
steps:
  s:
    run: ok-tool.cwl
    in: {message: message}
    out: [out]
