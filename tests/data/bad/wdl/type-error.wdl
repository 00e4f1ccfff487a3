version 1.0
workflow w {
  input { Int n = 1 }
  Int s = [n, 2]
  output { Int out = s }
}
