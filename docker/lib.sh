# shellcheck shell=bash
# Helpers shared by docker/*.sh. Source it; do not execute it.

cohort_log() { printf '[cohort-docker] %s\n' "$*" >&2; }
cohort_die() { cohort_log "ERROR: $*"; exit 1; }

# Pick a docker CLI that can talk to the engine and export it as $DOCKER.
# Two clients may exist on a machine: a newer static one in /usr/local/bin
# (it negotiates the API version down to what the daemon speaks) and Debian's
# docker.io one in /usr/bin. Prefer whatever is first on PATH; fall back to the
# other when the first cannot talk to the engine. An explicit $DOCKER wins.
cohort_pick_docker() {
  if [ -n "${DOCKER:-}" ]; then export DOCKER; return 0; fi
  local c
  for c in docker /usr/bin/docker /usr/local/bin/docker; do
    if command -v "$c" >/dev/null 2>&1 && "$c" info >/dev/null 2>&1; then
      DOCKER=$(command -v "$c"); export DOCKER; return 0
    fi
  done
  DOCKER=docker; export DOCKER
  return 1
}

cohort_engine_up() {
  local c
  for c in ${DOCKER:-} docker /usr/bin/docker /usr/local/bin/docker; do
    if command -v "$c" >/dev/null 2>&1 && "$c" info >/dev/null 2>&1; then return 0; fi
  done
  return 1
}
