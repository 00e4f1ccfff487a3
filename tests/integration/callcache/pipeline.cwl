cwlVersion: v1.2
class: Workflow
doc: Four steps and a scatter; upper and count read one input file each.
requirements:
  ScatterFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}
inputs:
  words: File
  numbers: File
  markers: string
outputs:
  final: {type: File, outputSource: reverse/out}
  shards: {type: 'File[]', outputSource: shard/out}
steps:
  upper:
    run: tool.cwl
    in: {name: {default: upper}, markers: markers, script: {default: "tr a-z A-Z"}, files: {source: words, valueFrom: "$([self])"}}
    out: [out]
  count:
    run: tool.cwl
    in: {name: {default: count}, markers: markers, script: {default: "wc -l"}, files: {source: numbers, valueFrom: "$([self])"}}
    out: [out]
  join:
    run: tool.cwl
    in: {name: {default: join}, markers: markers, script: {default: cat}, files: {source: [upper/out, count/out]}}
    out: [out]
  reverse:
    run: tool.cwl
    in: {name: {default: reverse}, markers: markers, script: {default: rev}, files: {source: join/out, valueFrom: "$([self])"}}
    out: [out]
  shard:
    run: tool.cwl
    scatter: script
    in:
      name: {default: shard}
      markers: markers
      script: {default: ["head -c 3", "tail -c 4"]}
      files: {source: upper/out, valueFrom: "$([self])"}
    out: [out]
