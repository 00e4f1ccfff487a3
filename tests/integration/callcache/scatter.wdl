version 1.0

# A scatter over the lines of one file, a task on another file, and a gather; every task leaves a
# marker file named after its call (and shard), so a test sees which ran.
workflow scatter_cache {
  input {
    File words
    File numbers
    String markers
  }
  scatter (word in read_lines(words)) {
    call shout { input: word = word, markers = markers }
  }
  call count { input: numbers = numbers, markers = markers }
  call gather { input: parts = shout.out, counted = count.out, markers = markers }
  output {
    File all = gather.out
    Array[File] shouted = shout.out
  }
}

task shout {
  input {
    String word
    String markers
  }
  command <<<
    echo ran >> "~{markers}/shout-~{word}"
    echo "~{word}" | tr a-z A-Z > shouted.txt
  >>>
  output {
    File out = "shouted.txt"
  }
}

task count {
  input {
    File numbers
    String markers
  }
  command <<<
    echo ran >> "~{markers}/count"
    wc -l < "~{numbers}" > count.txt
  >>>
  output {
    File out = "count.txt"
  }
}

task gather {
  input {
    Array[File] parts
    File counted
    String markers
  }
  command <<<
    echo ran >> "~{markers}/gather"
    cat ~{sep=" " parts} "~{counted}" > all.txt
  >>>
  output {
    File out = "all.txt"
  }
}
