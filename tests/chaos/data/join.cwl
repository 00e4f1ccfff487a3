cwlVersion: v1.2
class: CommandLineTool
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [sh, -c]
arguments:
  - valueFrom: |
      echo "join $PWD $PPID" >> "$(inputs.effects)"
      cat "$@" > joined.txt
      sleep 0.2
  - sh
inputs:
  effects: string
  parts:
    type: File[]
    inputBinding: {position: 1}
outputs:
  out:
    type: File
    outputBinding: {glob: joined.txt}
