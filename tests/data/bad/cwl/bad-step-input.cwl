cwlVersion: v1.2
class: Workflow
inputs:
  message: string
outputs: []
steps:
  s:
    run: ok-tool.cwl
    in: {message: nosuchinput}
    out: [out]
