cwlVersion: v1.2
class: Workflow
requirements: {ScatterFeatureRequirement: {}}
inputs:
  messages: string[]
outputs: []
steps:
  s:
    run: ok-tool.cwl
    scatter: nosuchfield
    in: {message: messages}
    out: [out]
