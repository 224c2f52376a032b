#!/usr/bin/env bash
# Stage the Cohort runtime as a plain app directory and (optionally) build the
# image from it. Nothing is fetched: the packages are copied from this checkout.
#
# Cohort loads files relative to their package at run time (worker threads and
# forked slots run @cohort/agent/dist/slots/slot-main.js; task modules are
# `import('@cohort/tasks/<name>')` through node_modules and the package's
# `exports`), so a one-file bundle would not run. Instead docker/build/app/ is a
# real install:
#
#   app/cohort.mjs                        entry: import { main } from '@cohort/cli'
#   app/node_modules/@cohort/<pkg>/       package.json + dist/ (copied, no symlinks)
#   app/node_modules/<dep>/               the production dependency closure, as
#                                         `npm ls --omit=dev --all --parseable` lists it
#   state/.keep                           becomes /var/lib/cohort (owned by 10001),
#                                         so a fresh named volume there is writable
#
# Usage: docker/build.sh [--image TAG] [--node-image IMAGE] [--no-tsc]
#   --image TAG        also `docker build` the image and tag it TAG; prints the image id
#   --node-image IMG   base image (default: cohort-node-base:<node major> when it
#                      exists locally, else the Dockerfile's default node:20-slim)
#   --no-tsc           skip `tsc -b` (the caller built already)
# Env: COHORT_BUILD_DIR (default docker/build), DOCKER (client to use)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

IMAGE=""
NODE_IMAGE=""
TSC=1
while [ "$#" -gt 0 ]; do
  case "$1" in
    --image) IMAGE=${2:?--image needs a tag}; shift 2 ;;
    --node-image) NODE_IMAGE=${2:?--node-image needs an image}; shift 2 ;;
    --no-tsc) TSC=0; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) cohort_die "unknown argument: $1" ;;
  esac
done

OUT=${COHORT_BUILD_DIR:-$HERE/build}
APP=$OUT/app
t0=$(date +%s)

if [ "$TSC" = 1 ]; then
  cohort_log "tsc -b"
  (cd "$ROOT" && npx --no-install tsc -b) || cohort_die "tsc -b failed"
fi

rm -rf "$OUT"
mkdir -p "$APP/node_modules/@cohort" "$OUT/state"
: >"$OUT/state/.keep"

# --- our workspace packages: package.json + dist/, nothing else ---------------
declare -A WS_NAME=()   # workspace dir (packages/x) -> package name (@cohort/x)
for dir in "$ROOT"/packages/*/; do
  dir=${dir%/}
  [ -f "$dir/package.json" ] || continue
  name=$(node -p "require('$dir/package.json').name")
  [ -d "$dir/dist" ] || cohort_die "$dir/dist is missing; run tsc -b"
  dest=$APP/node_modules/$name
  mkdir -p "$dest"
  cp "$dir/package.json" "$dest/"
  # dist without the build-info file and compiled tests (none today; cheap guard)
  tar -C "$dir" --exclude='.tsbuildinfo' --exclude='*.test.js' --exclude='*.test.d.ts' \
    --exclude='*.test.js.map' --exclude='*.test.d.ts.map' -cf - dist | tar -C "$dest" -xf -
  # the coordinator's dashboard (plain HTML, CSS and ES modules, read at run time)
  if [ -d "$dir/dashboard" ]; then tar -C "$dir" -cf - dashboard | tar -C "$dest" -xf -; fi
  WS_NAME[${dir#"$ROOT"/}]=$name
done

# --- third-party production closure -----------------------------------------
# npm prints each installed package directory once; map it into app/:
#   ROOT/node_modules/X                  -> app/node_modules/X
#   ROOT/packages/p/node_modules/X       -> app/node_modules/@cohort/p/node_modules/X
# Each package is copied without its own node_modules/: nested dependencies are
# listed (and copied) separately, and dev-only ones are left out that way.
deps=$(cd "$ROOT" && npm ls --omit=dev --all --parseable 2>/dev/null || true)
[ -n "$deps" ] || cohort_die "npm ls --omit=dev listed nothing; is node_modules installed?"
count=0
while IFS= read -r src; do
  [ -n "$src" ] && [ "$src" != "$ROOT" ] || continue
  rel=${src#"$ROOT"/}
  case "$rel" in
    node_modules/@cohort/*) continue ;;                     # workspace symlinks, done above
    node_modules/*) dest=$APP/$rel ;;
    packages/*/node_modules/*)
      ws=${rel%%/node_modules/*}
      [ -n "${WS_NAME[$ws]:-}" ] || cohort_die "no workspace package at $ws"
      dest=$APP/node_modules/${WS_NAME[$ws]}/node_modules/${rel#*/node_modules/} ;;
    *) cohort_die "unexpected dependency path $src" ;;
  esac
  mkdir -p "$dest"
  tar -C "$src" --exclude='./node_modules' -cf - . | tar -C "$dest" -xf -
  count=$((count + 1))
done <<<"$deps"

cat >"$APP/package.json" <<'EOF'
{ "name": "cohort-app", "private": true, "type": "module" }
EOF
cat >"$APP/cohort.mjs" <<'EOF'
#!/usr/bin/env node
// Container entry: the built CLI, resolved through node_modules like any install.
import { runCli } from '@cohort/cli';

runCli(process.argv.slice(2));
EOF

# smoke: the staged tree runs on its own, without the checkout's node_modules
(cd "$OUT" && NODE_PATH='' node app/cohort.mjs --help >/dev/null) || cohort_die "staged app does not run: node $APP/cohort.mjs --help"
cohort_log "staged $APP: ${#WS_NAME[@]} workspace packages, $count dependencies, $(du -sh "$APP" | cut -f1) in $(( $(date +%s) - t0 ))s"

[ -n "$IMAGE" ] || exit 0

cohort_pick_docker || cohort_die "no docker engine answers; run docker/engine.sh first"
if [ -z "$NODE_IMAGE" ]; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if "$DOCKER" image inspect "cohort-node-base:$major" >/dev/null 2>&1; then NODE_IMAGE=cohort-node-base:$major; fi
fi
args=(build -q -f "$HERE/Dockerfile" -t "$IMAGE")
[ -n "$NODE_IMAGE" ] && args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
args+=(--build-arg "COHORT_REVISION=$rev" "$HERE")
t1=$(date +%s)
# The legacy builder (no RUN steps, so BuildKit buys nothing here); its
# deprecation notice goes to stderr, which is shown only if the build fails.
errf=$(mktemp)
if ! id=$(DOCKER_BUILDKIT=0 "$DOCKER" "${args[@]}" 2>"$errf"); then
  cat "$errf" >&2; rm -f "$errf"; cohort_die "docker build failed"
fi
rm -f "$errf"
cohort_log "built $IMAGE ($id) on ${NODE_IMAGE:-the Dockerfile default} in $(( $(date +%s) - t1 ))s"
echo "$id"
