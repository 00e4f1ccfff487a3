version 1.0

# Sleep in a task (which the WDL runner starts in a session of its own), then say so.
workflow sleeper {
  input {
    Int seconds = 60
  }
  call nap { input: seconds = seconds }
  output {
    String said = nap.said
  }
}

task nap {
  input {
    Int seconds
  }
  command <<<
    sleep ~{seconds} && echo "slept ~{seconds}"
  >>>
  output {
    String said = read_string(stdout())
  }
}
