cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  - {id: x, type: string}
  - {id: x, type: int}
outputs: []
