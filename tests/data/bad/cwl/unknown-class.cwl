cwlVersion: v1.2
class: CommandLinTool
baseCommand: echo
inputs: []
outputs: []
