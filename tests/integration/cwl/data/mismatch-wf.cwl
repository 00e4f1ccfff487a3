cwlVersion: v1.2
class: Workflow
inputs:
  n: int
outputs: []
steps:
  s:
    run: cat.cwl
    in: {f: n}
    out: []
