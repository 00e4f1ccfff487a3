version 1.0
workflow w {
  call t
}
task t {
  command <<< echo hi >>>
  runtime { memory: "lots" }
}
