#!/usr/bin/env bash
# Idempotent: install Debian's docker.io, start dockerd by hand (no systemd) on the local socket
# /run/docker.sock, and build the images the CWL and WDL suites name, locally: no registry is
# reachable, so each image is a Debian (bookworm) root filesystem made with debootstrap and
# tagged under the name the documents use. The names promise more than they get:
#   debian:stable-slim, alpine:latest, ubuntu:22.04, ubuntu:24.04   Debian minbase
#   python:3-slim                                                   Debian minbase + python3 (+ `python`)
#   bash:4.4                                                        Debian minbase + an ENTRYPOINT that, like the
#                                                                   official image's, runs `bash ARGS` when the
#                                                                   first argument is an option
# The debootstrap root filesystems are kept as tarballs under $CONTAINERS_CACHE_DIR, so a
# second setup (or one after `docker system prune`) takes seconds (rootfs.sh, shared with podman.sh).
# Usage (as root): tests/services/docker.sh [start|stop|status|images]
# Conflicts with podman-docker (apt removes it).
set -euo pipefail

STATE=${DOCKER_STATE_DIR:-/var/lib/docker-local}          # pid file and log of the dockerd we start
SOCK=/run/docker.sock
PIDF=$STATE/dockerd.pid
# shellcheck source=tests/services/rootfs.sh
source "$(dirname "$0")/rootfs.sh"
BASE_IMAGES="alpine:latest ubuntu:22.04 ubuntu:24.04"
export DOCKER_HOST=unix://$SOCK DOCKER_BUILDKIT=0

alive() { [ -s "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }
answers() { docker version >/dev/null 2>&1; }

stop() {
  if alive; then
    pid=$(cat "$PIDF"); kill "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped dockerd ($pid)"
  fi
  rm -f "$PIDF"
}

install() {
  command -v dockerd >/dev/null && command -v debootstrap >/dev/null && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends docker.io debootstrap >/dev/null
}

start_daemon() {
  mkdir -p "$STATE"
  if answers; then return 0; fi   # ours, or one started otherwise: use it as it is
  [ -L /var/run/docker.sock ] && rm -f /var/run/docker.sock   # podman-docker's link to podman's socket
  # No CAP_SYS_RESOURCE on these machines (hard nofile 20000 here): containers get the hard limit.
  nohup dockerd --host "unix://$SOCK" --pidfile "$PIDF" --data-root "${DOCKER_DATA_ROOT:-/var/lib/docker}" \
    --default-ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" >"$STATE/dockerd.log" 2>&1 &
  for _ in $(seq 300); do answers && return 0; sleep 0.2; done
  echo "dockerd did not answer on $SOCK within 60 s; its log:" >&2; tail -20 "$STATE/dockerd.log" >&2; exit 1
}

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_images() {
  local base python
  base=$(rootfs debian-minbase)
  has_image debian:stable-slim || docker import "$base" debian:stable-slim >/dev/null
  for image in $BASE_IMAGES; do
    has_image "$image" || docker tag debian:stable-slim "$image"
  done
  if ! has_image python:3-slim; then
    python=$(rootfs debian-python3 python3-minimal,python-is-python3)
    docker import --change 'CMD ["python3"]' "$python" python:3-slim >/dev/null
  fi
  if ! has_image bash:4.4; then
    local ctx; ctx=$(mktemp -d)
    bash_image_context "$ctx" debian:stable-slim
    docker build -q -t bash:4.4 "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
}

case "${1:-start}" in
  stop) stop; exit 0;;
  status) answers && docker info --format 'docker {{.ServerVersion}} running, {{.Images}} images'; exit $?;;
  images) build_images; exit 0;;
  start) ;;
  *) echo "usage: $0 [start|stop|status|images]" >&2; exit 2;;
esac

install
start_daemon
build_images
docker run --rm --network none debian:stable-slim sh -c 'echo docker-ok'
