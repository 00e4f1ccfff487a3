cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  numbers: int[]
outputs:
  files:
    type: File[]
    outputSource: echo/out
  total:
    type: int
    outputSource: add/total
steps:
  echo:
    run: echo.cwl
    scatter: n
    in:
      n: numbers
    out: [out]
  add:
    in:
      files: echo/out
    out: [total]
    run:
      class: ExpressionTool
      inputs:
        files:
          type: File[]
          loadContents: true
      outputs:
        total: int
      expression: |
        ${ var t = 0; for (var i = 0; i < inputs.files.length; i++) { t += parseInt(inputs.files[i].contents); }
           return {"total": t}; }
