version 1.0
workflow w {
  input { String message }
  output { String out = nosuchvariable }
}
