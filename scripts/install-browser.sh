#!/usr/bin/env bash
# The browser tests (npm run test:browser) drive Debian's chromium with
# playwright-core; no browser is downloaded. This installs it with apt-get
# when it is missing and we are root, or says why it cannot. Exit 0 when a
# chromium is there at the end (its path and version are printed), 1 if not.
# COHORT_CHROMIUM overrides the path (default /usr/bin/chromium).
set -uo pipefail
CHROMIUM=${COHORT_CHROMIUM:-/usr/bin/chromium}

found() {
  # Debian's wrapper script prints a harmless shell warning on some machines: keep only the version line
  echo "chromium: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | tail -n 1))"
  exit 0
}

[ -x "$CHROMIUM" ] && found
if [ -n "${COHORT_CHROMIUM:-}" ]; then
  echo "cannot use chromium: COHORT_CHROMIUM=$CHROMIUM is not an executable file" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install chromium: no apt-get here (not Debian or Ubuntu); install Chromium and set COHORT_CHROMIUM to its path" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "cannot install chromium: not root; run: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "installing Debian's chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; then
  echo "cannot install chromium: apt-get failed (see above)" >&2
  exit 1
fi
[ -x "$CHROMIUM" ] && found
echo "cannot install chromium: apt-get succeeded but $CHROMIUM is missing" >&2
exit 1
