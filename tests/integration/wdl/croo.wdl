version 1.0

workflow organized {
  meta {
    croo_out_def: "https://example.org/croo.json"
  }
  call greet { input: name = "croo" }
  output {
    Int n = 1
  }
}

task greet {
  input { String name }
  command <<< echo "hello ~{name}" >>>
  output { String text = read_string(stdout()) }
  runtime { memory: "100M" cpu: 1 }
}
