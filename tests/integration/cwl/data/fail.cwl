cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c, "echo something went wrong >&2; exit 3"]
inputs: []
outputs: []
