cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
stdout: out.txt
inputs:
  word:
    type: string
    inputBinding: {position: 1}
outputs:
  said:
    type: File
    outputBinding: {glob: out.txt}
