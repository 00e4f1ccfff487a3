version 1.0
# Scatter for the multi-node cluster tests: each call reports "<item> <hostname>" and a
# "seen PATH" line for each of the leader's paths that exists on its node.
workflow spread {
  input {
    Array[String] items
    Array[String] hidden
  }
  scatter (item in items) {
    call probe { input: item = item, hidden = hidden }
  }
  output {
    Array[File] reports = probe.report
  }
}

task probe {
  input {
    String item
    Array[String] hidden
  }
  command <<<
    echo "~{item} $(hostname)"
    for p in ~{sep=" " hidden}; do if [ -e "$p" ]; then echo "seen $p"; fi; done
  >>>
  output {
    File report = stdout()
  }
}
