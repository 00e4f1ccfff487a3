cwlVersion: v1.2
class: Workflow
inputs:
  marker: string
outputs:
  out:
    type: File
    outputSource: second/out
steps:
  first:
    in: {marker: marker}
    out: [out]
    run:
      class: CommandLineTool
      requirements: {ShellCommandRequirement: {}}
      inputs:
        marker: string
      arguments:
        - {valueFrom: "echo ran >> $(inputs.marker); echo first > first.txt", shellQuote: false}
      outputs:
        out: {type: File, outputBinding: {glob: first.txt}}
  second:
    in: {f: first/out}
    out: [out]
    run:
      class: CommandLineTool
      requirements: {ShellCommandRequirement: {}}
      inputs:
        f: File
      arguments:
        - {valueFrom: "sleep 15; cat $(inputs.f.path) > second.txt", shellQuote: false}
      outputs:
        out: {type: File, outputBinding: {glob: second.txt}}
