version 1.0
workflow w {
  Int a = b + 1
  Int b = a + 1
  output { Int out = a }
}
