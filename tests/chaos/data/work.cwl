cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c]
arguments:
  - valueFrom: |
      echo "work-$(inputs.item) $PWD $PPID" >> "$(inputs.effects)"
      seq 200 | sed "s/^/$(inputs.item) line /" > "$(inputs.item).txt"
      sleep 0.2
      while [ -e "$(inputs.effects).hold" ]; do sleep 0.05; done
inputs:
  effects: string
  item: string
outputs:
  out:
    type: File
    outputBinding: {glob: "$(inputs.item).txt"}
