version 7.3
workflow w {
  output { Int out = 1 }
}
