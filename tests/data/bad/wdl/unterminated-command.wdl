version 1.0
task t {
  command <<<
    echo hi
  output { String out = read_string(stdout()) }
}
