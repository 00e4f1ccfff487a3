cwlVersion: v1.2
class: CommandLineTool
doc: Run a shell script on some files; leave a marker named after the step, so a test sees it ran.
requirements:
  ShellCommandRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  name: string
  markers: string
  script: string
  files: File[]
outputs:
  out:
    type: File
    outputBinding: {glob: result.txt}
arguments:
  - shellQuote: false
    valueFrom: >-
      echo ran >> $(inputs.markers)/$(inputs.name) &&
      cat $(inputs.files.map(function(f){return "'" + f.path + "'"}).join(" ")) | $(inputs.script) > result.txt
