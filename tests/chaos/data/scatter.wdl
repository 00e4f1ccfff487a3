version 1.0
# Chaos test workflow: every task run appends "<label> <working directory>" to an effects file
# outside the job store, then does a little work; outputs are deterministic.
workflow chaos {
  input {
    String effects
    Array[String] items
  }
  scatter (item in items) {
    call work { input: effects = effects, item = item }
  }
  call join { input: effects = effects, parts = work.out }
  output {
    Array[File] parts = work.out
    File joined = join.out
  }
}

task work {
  input {
    String effects
    String item
  }
  command <<<
    echo "work-~{item} $PWD $PPID" >> "~{effects}"
    seq 200 | sed "s/^/~{item} line /" > "~{item}.txt"
    sleep 0.2
    while [ -e "~{effects}.hold" ]; do sleep 0.05; done
  >>>
  output { File out = "~{item}.txt" }
}

task join {
  input {
    String effects
    Array[File] parts
  }
  command <<<
    echo "join $PWD $PPID" >> "~{effects}"
    cat ~{sep=" " parts} > joined.txt
    sleep 0.2
  >>>
  output { File out = "joined.txt" }
}
