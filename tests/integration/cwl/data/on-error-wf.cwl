cwlVersion: v1.2
class: Workflow
doc: |
  Two independent branches: 'fail' fails at once; 'slow' takes a while, then 'later'
  (which reads from it) touches the marker file. With --on-error stop 'later' never starts.
inputs:
  marker: string
  delay:
    type: int
    default: 3
outputs: []
steps:
  fail:
    run: fail.cwl
    in: {}
    out: []
  slow:
    in:
      delay: delay
    out: [done]
    run:
      class: CommandLineTool
      baseCommand: [sleep]
      inputs:
        delay:
          type: int
          inputBinding: {position: 1}
      outputs:
        done: stdout
  later:
    in:
      after: slow/done
      marker: marker
    out: []
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'touch "$0"']
      inputs:
        after: File
        marker:
          type: string
          inputBinding: {position: 1}
      outputs: []
