workflow w {
  call t
task t {
  command { echo hi }
}
