#!/usr/bin/env bash
# Idempotent: install podman (root, Debian packages, with runc) next to docker.io (podman-docker is
# not installed: it conflicts with docker.io) and give it the same locally built images as
# tests/services/docker.sh, from the same cached debootstrap tarballs, under their fully
# qualified names (docker.io/library/NAME), which is how podman resolves the short names the
# documents use. podman has no daemon: `start` only installs, configures and imports.
# Usage (as root): tests/services/podman.sh [start|stop|status]
set -euo pipefail

# shellcheck source=tests/services/rootfs.sh
source "$(dirname "$0")/rootfs.sh"
BASE_IMAGES="alpine:latest ubuntu:22.04 ubuntu:24.04"

case "${1:-start}" in
  stop) exit 0;;   # nothing runs in the background
  status) podman info --format 'podman {{.Version.Version}} ({{.Host.OCIRuntime.Name}})'; exit $?;;
  start) ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2;;
esac

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends podman runc uidmap fuse-overlayfs \
    slirp4netns debootstrap >/dev/null
fi

# crun refuses these machines' hybrid cgroup layout: use runc with cgroupfs. No CAP_SYS_RESOURCE
# (a hard nofile limit of 20000): podman's default ulimits would fail, so give containers the hard limit.
mkdir -p /etc/containers
NOFILE=$(ulimit -Hn)
NPROC=$(ulimit -Hu); { [ "$NPROC" = unlimited ] || [ "$NPROC" -gt 32768 ]; } && NPROC=32768  # podman refuses the hard one
cat > /etc/containers/containers.conf <<CONF
[containers]
default_ulimits = ["nofile=${NOFILE}:${NOFILE}", "nproc=${NPROC}:${NPROC}"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF

has() { podman image exists "$1"; }
q() { echo "docker.io/library/$1"; }

base=$(rootfs debian-minbase)
has "$(q debian:stable-slim)" || podman import -q "$base" "$(q debian:stable-slim)" >/dev/null
for image in $BASE_IMAGES; do
  has "$(q "$image")" || podman tag "$(q debian:stable-slim)" "$(q "$image")"
done
if ! has "$(q python:3-slim)"; then
  python=$(rootfs debian-python3 python3-minimal,python-is-python3)
  podman import -q --change 'CMD ["python3"]' "$python" "$(q python:3-slim)" >/dev/null
fi
if ! has "$(q bash:4.4)"; then
  ctx=$(mktemp -d)
  bash_image_context "$ctx" "$(q debian:stable-slim)"
  podman build -q -t "$(q bash:4.4)" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
podman run --rm --network none debian:stable-slim sh -c 'echo podman-ok'
