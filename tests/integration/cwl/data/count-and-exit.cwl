cwlVersion: v1.2
class: CommandLineTool
doc: Appends a line to the file `counter` names (one per run), then exits with `code`.
baseCommand: [sh, -c, 'echo run >> "$0"; exit "$1"']
temporaryFailCodes: [75]
inputs:
  counter:
    type: string
    inputBinding: {position: 1}
  code:
    type: int
    inputBinding: {position: 2}
outputs: []
