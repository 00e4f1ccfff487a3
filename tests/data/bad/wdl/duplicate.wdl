version 1.0
workflow w {
  Int a = 1
  Int a = 2
  output { Int out = a }
}
