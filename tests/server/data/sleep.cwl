cwlVersion: v1.2
class: CommandLineTool
doc: Sleep, then say so (a run that is still RUNNING when the tests act on it).
baseCommand: [sh, -c, 'sleep "$0" && echo slept "$0"']
inputs:
  seconds:
    type: int
    default: 60
    inputBinding:
      position: 1
stdout: slept.txt
outputs:
  out:
    type: stdout
