cwlVersion: v1.2
class: CommandLineTool
baseCommand: cat
bogus: 1
inputs: []
outputs: []
