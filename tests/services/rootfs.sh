# Sourced by docker.sh and podman.sh: Debian root filesystems for locally built test images.
# rootfs NAME [PACKAGES]: print the path of a cached tarball of a Debian minbase root filesystem
# (with the comma-separated PACKAGES), made with debootstrap the first time.
ROOTFS_CACHE=${CONTAINERS_CACHE_DIR:-/var/cache/toil-test-images}
ROOTFS_SUITE=${ROOTFS_SUITE:-bookworm}

rootfs() {
  local name=$1 include=${2:-} tarball=$ROOTFS_CACHE/$1.tar dir
  if [ ! -s "$tarball" ]; then
    mkdir -p "$ROOTFS_CACHE/debs"
    dir=$(mktemp -d)
    debootstrap --variant=minbase --cache-dir="$ROOTFS_CACHE/debs" ${include:+--include=$include} \
      "$ROOTFS_SUITE" "$dir" >"$ROOTFS_CACHE/$name.debootstrap.log" 2>&1 \
      || { echo "debootstrap failed; see $ROOTFS_CACHE/$name.debootstrap.log" >&2; rm -rf "$dir"; return 1; }
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar -C "$dir" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$dir"
  fi
  echo "$tarball"
}

# The official bash image runs `bash ARGS` when the first argument is an option; write that
# ENTRYPOINT script and a Containerfile FROM $2 into the directory $1.
bash_image_context() {
  printf '#!/bin/sh\n# As the official bash image: options alone run bash with them.\n%s\nexec "$@"\n' \
    'case "${1:-}" in -*) set -- bash "$@";; esac' >"$1/docker-entrypoint.sh"
  chmod 0755 "$1/docker-entrypoint.sh"
  printf 'FROM %s\nCOPY docker-entrypoint.sh /usr/local/bin/\n%s\n%s\n' "$2" \
    'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["bash"]' >"$1/Dockerfile"
}
