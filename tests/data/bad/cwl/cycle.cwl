cwlVersion: v1.2
class: Workflow
inputs: []
outputs: []
steps:
  a:
    run: ok-tool.cwl
    in: {message: {source: b/out, valueFrom: x}}
    out: [out]
  b:
    run: ok-tool.cwl
    in: {message: {source: a/out, valueFrom: x}}
    out: [out]
