version 1.0

# The WDL quickstart: greet each name in a scatter, then collect the greetings.
workflow hello {
  input {
    Array[String] names = ["world"]
    String greeting = "Hello"
  }

  scatter (name in names) {
    call greet { input: greeting = greeting, name = name }
  }

  call count_lines { input: files = greet.out }

  output {
    Array[String] messages = greet.message
    Array[File] files = greet.out
    Int lines = count_lines.lines
  }
}

task greet {
  input {
    String greeting
    String name
  }
  command <<<
    echo "~{greeting}, ~{name}!" | tee greeting.txt
  >>>
  output {
    String message = read_string(stdout())
    File out = "greeting.txt"
  }
  runtime {
    cpu: 1
    memory: "100 MB"
    disks: "local-disk 1 SSD"
  }
}

task count_lines {
  input {
    Array[File] files
  }
  command <<<
    cat ~{sep=" " files} | wc -l
  >>>
  output {
    Int lines = read_int(stdout())
  }
}
