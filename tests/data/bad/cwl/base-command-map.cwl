cwlVersion: v1.2
class: CommandLineTool
baseCommand: {a: b}
inputs: []
outputs: []
