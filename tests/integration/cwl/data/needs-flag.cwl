cwlVersion: v1.2
class: CommandLineTool
doc: Fails until the flag file exists; then writes $GREETING (if the runner preserves it) to out.txt.
inputs:
  flag: string
baseCommand: sh
arguments: [-c, 'test -e "$(inputs.flag)" && printf "%s\n" "$GREETING" > out.txt']
outputs:
  out:
    type: File
    outputBinding: {glob: out.txt}
