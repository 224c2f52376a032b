#!/usr/bin/env bash
# Build an offline Node base image from the host's own node binary, for
# machines where no image registry is reachable (no `docker pull`).
#
# The image holds: node (at /usr/local/bin/node and /usr/bin/node), the shared
# libraries `ldd` reports for it (dynamic loader, libc, libm, libdl,
# libpthread, libstdc++, libgcc_s, ...), /etc/ssl/certs (if present), a
# minimal /etc/passwd, /etc/group and /etc/nsswitch.conf with a non-root
# `cohort` user (uid/gid 10001, home /home/cohort), and /tmp (1777).
# It has NO shell: use exec-form CMD/ENTRYPOINT/HEALTHCHECK/RUN only.
#
# Idempotent: skips the build when an image with the same tag carries the same
# node version label (and node binary checksum). FORCE=1 rebuilds.
# Prints the image name on stdout (log lines go to stderr).
#
# Usage: docker/base-image.sh [IMAGE]   (default cohort-node-base:<node major>)
# Env:   NODE_BIN (default: `command -v node`), FORCE=1, DOCKER (client to use)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

cohort_pick_docker || cohort_die "no docker engine answers; run docker/engine.sh first"

NODE_BIN=${NODE_BIN:-$(command -v node || true)}
[ -n "$NODE_BIN" ] || cohort_die "node not found on PATH"
NODE_REAL=$(readlink -f "$NODE_BIN")
NODE_VERSION=$("$NODE_REAL" -v)                 # e.g. v20.20.2
NODE_MAJOR=${NODE_VERSION#v}; NODE_MAJOR=${NODE_MAJOR%%.*}
IMAGE=${1:-cohort-node-base:$NODE_MAJOR}
NODE_SUM=$(sha256sum "$NODE_REAL" | cut -d' ' -f1)

if [ "${FORCE:-0}" != 1 ]; then
  have_ver=$("$DOCKER" image inspect --format '{{index .Config.Labels "org.cohort.node.version"}}' "$IMAGE" 2>/dev/null || true)
  have_sum=$("$DOCKER" image inspect --format '{{index .Config.Labels "org.cohort.node.sha256"}}' "$IMAGE" 2>/dev/null || true)
  if [ "$have_ver" = "$NODE_VERSION" ] && [ "$have_sum" = "$NODE_SUM" ]; then
    cohort_log "$IMAGE already built from node $NODE_VERSION; skipping"
    echo "$IMAGE"
    exit 0
  fi
fi

t0=$(date +%s)
STAGE=$(mktemp -d /tmp/cohort-base-XXXXXX)
TARBALL=$STAGE.tar
cleanup() { rm -rf "$STAGE" "$TARBALL"; }
trap cleanup EXIT

# Mirror the host's top-level symlinks (merged /usr: /lib -> usr/lib, ...), so
# the paths ldd reports and the loader path baked into node resolve the same.
for d in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$d" ]; then
    tgt=$(readlink "/$d")
    mkdir -p "$STAGE/$(dirname "$d")/$tgt"
    ln -s "$tgt" "$STAGE/$d"
  fi
done

# copy one host file (following symlinks) to the same path in the image
put() {
  local src=$1 dst=${2:-$1}
  mkdir -p "$STAGE$(dirname "$dst")"
  cp -L "$src" "$STAGE$dst"
}

mkdir -p "$STAGE/usr/local/bin" "$STAGE/usr/bin"
cp "$NODE_REAL" "$STAGE/usr/local/bin/node"
[ -e "$STAGE/usr/bin/node" ] || ln -s ../local/bin/node "$STAGE/usr/bin/node"

# shared libraries, as the host's loader resolves them for node
libs=$(ldd "$NODE_REAL" | awk '
  $2 == "=>" && $3 ~ /^\// { print $3; next }   # libfoo.so => /path (0x..)
  $1 ~ /^\// { print $1 }                       # /lib64/ld-linux-x86-64.so.2 (0x..)
')
[ -n "$libs" ] || cohort_die "ldd found no libraries for $NODE_REAL (static node?)"
for l in $libs; do put "$l"; done
# the loader named in node's ELF header (PT_INTERP) must exist at that path
interp=$(ldd "$NODE_REAL" | awk '$1 ~ /^\/.*ld-linux/ { print $1 }' | head -1)
[ -n "$interp" ] && [ -e "$STAGE$interp" ] || cohort_die "dynamic loader missing from the image"
cohort_log "libraries: $(echo "$libs" | xargs -n1 basename | tr '\n' ' ')"

# TLS roots (node bundles its own CA store; this helps NODE_EXTRA_CA_CERTS / --use-openssl-ca)
if [ -d /etc/ssl/certs ]; then
  mkdir -p "$STAGE/etc/ssl"
  cp -rL /etc/ssl/certs "$STAGE/etc/ssl/certs" 2>/dev/null || cp -r /etc/ssl/certs "$STAGE/etc/ssl/certs"
fi

# users, groups, name service
mkdir -p "$STAGE/etc" "$STAGE/home/cohort" "$STAGE/tmp" "$STAGE/app"
cat >"$STAGE/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
cohort:x:10001:10001:cohort:/home/cohort:/usr/sbin/nologin
EOF
cat >"$STAGE/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
cohort:x:10001:
EOF
cat >"$STAGE/etc/nsswitch.conf" <<'EOF'
passwd: files
group:  files
hosts:  files dns
EOF
# docker bind-mounts its own /etc/hosts, /etc/resolv.conf, /etc/hostname at run
# time; these are only for `docker build` steps and plain tarball use.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$STAGE/etc/hosts"
: >"$STAGE/etc/resolv.conf"
mkdir -p "$STAGE/root"
chmod 1777 "$STAGE/tmp"
chmod 700 "$STAGE/root"
chown 10001:10001 "$STAGE/home/cohort" "$STAGE/app"

tar --numeric-owner -C "$STAGE" -cf "$TARBALL" .
size=$(du -sh "$TARBALL" | cut -f1)

id=$("$DOCKER" import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV NODE_VERSION='"${NODE_VERSION#v}" \
  --change 'WORKDIR /app' \
  --change "LABEL org.cohort.node.version=$NODE_VERSION" \
  --change "LABEL org.cohort.node.sha256=$NODE_SUM" \
  --change 'LABEL org.cohort.base=offline-host-node' \
  --change 'CMD ["node"]' \
  "$TARBALL" "$IMAGE")
cohort_log "built $IMAGE ($id, tarball $size) from $NODE_REAL $NODE_VERSION in $(( $(date +%s) - t0 ))s"

# smoke test: node runs as the non-root user and resolves its name
out=$("$DOCKER" run --rm --user 10001:10001 "$IMAGE" node -e "console.log(process.version, require('os').userInfo().username)")
[ "$out" = "$NODE_VERSION cohort" ] || cohort_die "smoke test of $IMAGE printed '$out', expected '$NODE_VERSION cohort'"
cohort_log "smoke test ok: $out"
echo "$IMAGE"
