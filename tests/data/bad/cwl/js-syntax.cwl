cwlVersion: v1.2
class: CommandLineTool
requirements: {InlineJavascriptRequirement: {}}
baseCommand: echo
arguments: ["$(inputs.message.(())"]
inputs:
  message: string
outputs: []
