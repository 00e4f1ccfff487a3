cwlVersion: v1.2
class: Workflow
doc: A scatter of trivial command-line steps (echo of an int to stdout); the benchmark in issue 4.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  numbers: int[]
outputs:
  files:
    type: File[]
    outputSource: echo/out
steps:
  echo:
    run: echo.cwl
    scatter: n
    in:
      n: numbers
    out: [out]
