cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  message: {type: string, inputBinding: {position: 1}}
  count: {type: int, default: 1}
  infile: {type: File?}
  color: {type: {type: enum, symbols: [red, green]}, default: red}
stdout: out.txt
outputs:
  out: {type: stdout}
