cwlVersion: v1.2
class: Workflow
doc: Tools that declare stdout (twice, scattered) and stderr, and one that declares neither.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  words: string[]
outputs:
  said:
    type: File[]
    outputSource: say/said
steps:
  say:
    run: say.cwl
    scatter: word
    in:
      word: words
    out: [said]
  complain:
    in: {}
    out: [complaint]
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo grumble >&2']
      stderr: err.txt
      inputs: []
      outputs:
        complaint: stderr
  quiet:
    in: {}
    out: []
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo unlogged']
      inputs: []
      outputs: []
