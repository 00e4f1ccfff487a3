version 1.0
workflow w {
  input { String message }
  call t { input: message = message
  output { String out = t.out }
}
task t {
  input { String message }
  command <<< echo hi >>>
  output { String out = "x" }
}
