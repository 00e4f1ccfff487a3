version 1.0
workflow w {
  call nosuchtask
}
