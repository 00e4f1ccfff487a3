#!/usr/bin/env bash
# Run the same 200-job fan-out through our Slurm batch system and through Toil's (a
# virtualenv with real Toil, e.g. TOIL_VENV=/tmp/toil96 after `pip install toil==9.6.0`),
# in one run on the same Slurm, counting scheduler commands with wrappers on PATH.
# Not part of the test suite (it needs PyPI and a minute to install Toil).
# Usage: tests/cluster/compare_with_toil.sh [JOBS]   (Slurm must be running: tests/services/slurm.sh)
set -euo pipefail
JOBS=${1:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
TOIL_VENV=${TOIL_VENV:-/tmp/toil96}
WORK=$(mktemp -d /tmp/compare-XXXXXX)
mkdir -p "$WORK/bin"
for c in squeue sacct scontrol sbatch scancel; do
  real=$(command -v $c)
  printf '#!/bin/sh\necho %s >> "$CALLS"\nexec %s "$@"\n' "$c" "$real" > "$WORK/bin/$c"; chmod +x "$WORK/bin/$c"
done
run() {  # name python path-prefix (an activated virtualenv's bin)
  local name=$1 python=$2 prefix=$3
  mkdir -p "$WORK/$name"; cd "$WORK/$name"
  export CALLS="$WORK/$name/calls"; : > "$CALLS"
  local start end
  start=$(date +%s.%N)
  PATH="$WORK/bin:$prefix$PATH" "$python" "$HERE/scripts/fanout.py" "$WORK/$name/js" --jobs "$JOBS" --batchSystem slurm \
    --workDir "$WORK/$name" --batchLogsDir "$WORK/$name" --logLevel WARNING > out.txt 2> err.txt
  end=$(date +%s.%N)
  printf '%-5s %d jobs: %6.1f s wall, result %s, commands: %s\n' "$name" "$JOBS" "$(echo "$end - $start" | bc)" \
    "$(tail -1 out.txt)" "$(sort "$CALLS" | uniq -c | awk '{printf "%s=%s ", $2, $1}')"
}
run ours "${PYTHON:-python3}" ""
run toil "$TOIL_VENV/bin/python" "$TOIL_VENV/bin:"
rm -rf "$WORK"
