version 1.0
workflow w {
  output { Int out = "a string" }
}
