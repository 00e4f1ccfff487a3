#!/usr/bin/env bash
# A real Prometheus (Debian's prometheus) for the --metrics test (tests/integration/test_metrics.py).
#
#   tests/services/prometheus.sh install   install it if missing (apt-get, as root); print the binary's path
#
# The test starts its own server on 127.0.0.1 with a scrape configuration of its own, in a
# directory of its own, and stops it after; nothing here runs a server.
set -euo pipefail

install() {
  if ! command -v prometheus >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      echo "prometheus.sh: prometheus is not installed and installing it needs root (apt-get install prometheus)" >&2
      exit 1
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2
    # Debian's package starts its own server where systemd runs; the test needs none of it.
    if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
      systemctl stop prometheus >&2 || true
    fi
  fi
  command -v prometheus
}

case "${1:-}" in
  install) install ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac
