version 1.0
workflow ok {
  input {
    String message
    Int count = 1
    File? infile
    Array[Int] numbers = []
  }
  call say { input: message = message }
  output { String out = say.out }
}
task say {
  input { String message }
  command <<<
    echo "~{message}"
  >>>
  output { String out = read_string(stdout()) }
}
