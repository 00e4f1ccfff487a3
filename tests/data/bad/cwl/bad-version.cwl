cwlVersion: v9.9
class: CommandLineTool
baseCommand: echo
inputs: []
outputs: []
