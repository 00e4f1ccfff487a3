#!/usr/bin/env bash
# A real Redis (Debian's redis-server) on 127.0.0.1 for the Celery tests of toil server.
#
#   tests/services/redis.sh start   install if needed (apt-get, as root), start if not running, wait for PONG
#   tests/services/redis.sh stop    stop it
#   tests/services/redis.sh url     print the broker URL
#
# Idempotent. State (pid, log) lives in $TOIL_TEST_REDIS_DIR (default /tmp/toil-test-redis);
# it listens on 127.0.0.1:$TOIL_TEST_REDIS_PORT (default 16379, away from the usual 6379),
# keeps nothing on disk and is gone after stop.
set -euo pipefail

W=${TOIL_TEST_REDIS_DIR:-/tmp/toil-test-redis}
PORT=${TOIL_TEST_REDIS_PORT:-16379}
PIDFILE=$W/redis.pid

alive() {
  local p
  p=$(cat "$PIDFILE" 2>/dev/null || true)
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

install() {
  command -v redis-server >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "redis.sh: redis-server is not installed and installing it needs root (apt-get install redis-server)" >&2
    exit 1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2
}

start() {
  install
  mkdir -p "$W"
  if ! alive; then
    redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes --pidfile "$PIDFILE" \
      --dir "$W" --logfile "$W/redis.log" --save '' --appendonly no --protected-mode yes
  fi
  for _ in $(seq 100); do
    redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep PONG >/dev/null && { echo "redis ready on 127.0.0.1:$PORT"; return 0; }
    sleep 0.1
  done
  echo "redis.sh: redis did not answer on 127.0.0.1:$PORT (see $W/redis.log)" >&2
  exit 1
}

stop() {
  if alive; then
    local p
    p=$(cat "$PIDFILE")
    kill "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null || true
    echo "redis stopped"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "redis://127.0.0.1:$PORT/0" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
