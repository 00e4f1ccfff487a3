version 1.0
import "nowhere/lib.wdl" as lib
workflow w {
  call lib.t
}
