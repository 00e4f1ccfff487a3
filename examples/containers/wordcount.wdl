version 1.1

# Count words in containers (toil-wdl-runner --container docker) or on the host (--container none);
# the outputs are the same. `count` names its image; `summarize` runs in the default image.
workflow wordcount {
  input {
    File text
  }
  call count { input: text = text }
  call summarize { input: counts = count.counts }
  output {
    File counts = count.counts
    File summary = summarize.summary
    Int words = summarize.words
  }
}

task count {
  input {
    File text
  }
  command <<<
    export LC_ALL=C
    tr -s ' ' '\n' < ~{text} | sort | uniq -c | sort -k1,1nr -k2 | sed 's/^ *//' > counts.txt
  >>>
  output {
    File counts = "counts.txt"
  }
  runtime {
    container: "debian:stable-slim"
    cpu: 1
    memory: "256 MB"
  }
}

task summarize {
  input {
    File counts
  }
  command <<<
    set -e
    words=$(awk '{ n += $1 } END { print n }' ~{counts})
    printf 'words %s\ndistinct %s\ntop %s\n' "$words" "$(wc -l < ~{counts})" "$(head -1 ~{counts} | cut -d' ' -f2)" \
      > summary.txt
    echo "$words"
  >>>
  output {
    File summary = "summary.txt"
    Int words = read_int(stdout())
  }
}
