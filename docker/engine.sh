#!/usr/bin/env bash
# Make sure a local Docker engine and docker-compose are usable. Idempotent.
#
#  - If `docker info` already answers (and docker-compose works): does nothing.
#  - Otherwise installs what is missing from Debian (docker.io, docker-compose),
#    starts dockerd in the background (log: $COHORT_DOCKERD_LOG) and waits,
#    bounded, until it answers and can actually run a container.
#  - If the default daemon config fails in this sandbox it falls back, in order,
#    to --iptables=false, --storage-driver=vfs, both, and finally (warned)
#    --bridge=none. It prints what it chose.
#
# Env:
#   COHORT_DOCKERD_ARGS     try only these dockerd args (skip the fallback list)
#   COHORT_DOCKERD_TIMEOUT  seconds to wait for each attempt (default 60)
#   COHORT_DOCKERD_LOG      dockerd log file (default /tmp/cohort-dockerd.log)
#
# Needs root to install packages and start dockerd.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

TIMEOUT=${COHORT_DOCKERD_TIMEOUT:-60}
LOG=${COHORT_DOCKERD_LOG:-/tmp/cohort-dockerd.log}
PIDFILE=/var/run/docker.pid

compose_ok() { command -v docker-compose >/dev/null 2>&1 && docker-compose version >/dev/null 2>&1; }

report_compose() {
  compose_ok || cohort_die "docker-compose does not work (try: apt-get install -y docker-compose)"
  cohort_log "docker-compose: $(docker-compose version --short 2>/dev/null || docker-compose version | head -1)"
}

report_engine() {
  cohort_pick_docker || true
  local sv drv
  sv=$("$DOCKER" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null || echo '?')
  drv=$("$DOCKER" info --format '{{.Driver}}' 2>/dev/null || echo '?')
  cohort_log "engine: docker $sv, storage driver $drv, client $DOCKER"
}

apt_install() {
  [ "$#" -gt 0 ] || return 0
  [ "$(id -u)" = 0 ] || cohort_die "need root to apt-get install $*"
  cohort_log "apt-get install: $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || cohort_die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || cohort_die "apt-get install $* failed"
}

# ---- fast path -------------------------------------------------------------
if cohort_engine_up; then
  if ! compose_ok; then apt_install docker-compose; fi
  cohort_log "docker engine already answers; nothing to start"
  report_engine
  report_compose
  exit 0
fi

# ---- install what is missing ------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
if ! command -v docker >/dev/null 2>&1 && [ ! -x /usr/bin/docker ]; then
  case " ${missing[*]-} " in *" docker.io "*) ;; *) missing+=(docker.io) ;; esac
fi
compose_ok || missing+=(docker-compose)
if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
command -v dockerd >/dev/null 2>&1 || cohort_die "dockerd not found after install"
[ "$(id -u)" = 0 ] || cohort_die "need root to start dockerd"

# ---- a dockerd that is already starting (pid file alive): wait for it ---------
if [ -s "$PIDFILE" ]; then
  old=$(cat "$PIDFILE" 2>/dev/null || true)
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null && grep -q dockerd "/proc/$old/comm" 2>/dev/null; then
    cohort_log "dockerd pid $old is running but not answering yet; waiting up to ${TIMEOUT}s"
    for _ in $(seq 1 $((TIMEOUT * 2))); do
      if cohort_engine_up; then report_engine; report_compose; cohort_log "dockerd pid: $old (already running)"; echo "$old"; exit 0; fi
      kill -0 "$old" 2>/dev/null || break
      sleep 0.5
    done
    cohort_die "dockerd pid $old (not started by this script) does not answer; see its log, stop it, and rerun"
  fi
fi

# ---- a containerd pid file left behind ----------------------------------------
# A dockerd that was killed can leave /var/run/docker/containerd/containerd.pid naming a containerd
# that is gone. Once the kernel hands that pid to another process (a kworker, say), the next dockerd
# takes it for its containerd and waits for a socket that never comes ("failed to start containerd:
# timeout"). Remove the file unless it names a live containerd.
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid
if [ -s "$CONTAINERD_PIDFILE" ]; then
  cpid=$(cat "$CONTAINERD_PIDFILE" 2>/dev/null || true)
  if [ -z "$cpid" ] || [ "$(cat "/proc/$cpid/comm" 2>/dev/null || true)" != containerd ]; then
    cohort_log "removing a stale containerd pid file (pid ${cpid:-none} is not a containerd)"
    rm -f "$CONTAINERD_PIDFILE"
  fi
fi

# ---- start dockerd, with fallbacks ------------------------------------------
SMOKE_BIN=""
for c in /usr/bin/tini-static /usr/sbin/tini-static "$(command -v docker-init 2>/dev/null || true)"; do
  [ -n "$c" ] && [ -x "$c" ] || continue
  c=$(readlink -f "$c")
  # must be static: it runs in an empty image
  if ! ldd "$c" >/dev/null 2>&1; then SMOKE_BIN=$c; break; fi
done

# Can the engine run a container? Imports a one-file image (static tini) and
# runs it on the default network. Removes what it made, by id.
smoke_test() {
  if [ -z "$SMOKE_BIN" ]; then
    cohort_log "no static tini found; skipping the container smoke test"
    return 0
  fi
  local d img rc=0
  d=$(mktemp -d)
  cp "$SMOKE_BIN" "$d/tini"
  img=$(tar -C "$d" -cf - tini | "$DOCKER" import - 2>>"$LOG") || { rm -rf "$d"; return 1; }
  rm -rf "$d"
  "$DOCKER" run --rm "$img" /tini --version >>"$LOG" 2>&1 || rc=$?
  "$DOCKER" image rm -f "$img" >/dev/null 2>&1 || true
  return "$rc"
}

stop_dockerd() {
  local pid=$1 cpid=""
  cpid=$(cat /var/run/docker/containerd/containerd.pid 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null && grep -q containerd "/proc/$cpid/comm" 2>/dev/null; then
    kill -TERM "$cpid" 2>/dev/null || true
    sleep 1
    kill -KILL "$cpid" 2>/dev/null || true
  fi
  rm -f /var/run/docker.sock
}

# returns 0 with $STARTED_PID set when dockerd answers and runs a container
try_dockerd() {
  local args=$1 pid t0
  # shellcheck disable=SC2086
  printf '\n===== %s: dockerd %s\n' "$(date -u +%FT%TZ)" "$args" >>"$LOG"
  t0=$(date +%s)
  # setsid: not in the caller's process group, so it outlives this script
  # shellcheck disable=SC2086
  setsid dockerd $args >>"$LOG" 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 1 $((TIMEOUT * 2))); do
    if cohort_engine_up; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cohort_log "dockerd ${args:-(default)} exited: $(grep -E 'level=(fatal|error)|failed' "$LOG" | tail -1 | cut -c1-300)"
      return 1
    fi
    sleep 0.5
  done
  if ! cohort_engine_up; then
    cohort_log "dockerd ${args:-(default)} did not answer within ${TIMEOUT}s; stopping it"
    stop_dockerd "$pid"; return 1
  fi
  cohort_pick_docker || true
  if ! smoke_test; then
    cohort_log "dockerd ${args:-(default)} answers but cannot run a container: $(tail -3 "$LOG" | tr '\n' ' ' | cut -c1-300)"
    stop_dockerd "$pid"; return 1
  fi
  STARTED_PID=$(cat "$PIDFILE" 2>/dev/null || echo "$pid")
  cohort_log "dockerd up in $(( $(date +%s) - t0 ))s"
  return 0
}

if [ -n "${COHORT_DOCKERD_ARGS+x}" ]; then
  attempts=("$COHORT_DOCKERD_ARGS")
else
  attempts=(
    ""
    "--iptables=false"
    "--storage-driver=vfs"
    "--iptables=false --storage-driver=vfs"
    "--iptables=false --bridge=none --storage-driver=vfs"
  )
fi

STARTED_PID=""
chosen=""
for a in "${attempts[@]}"; do
  cohort_log "starting dockerd ${a:-(default options)} (log: $LOG)"
  if try_dockerd "$a"; then chosen=$a; break; fi
done
[ -n "$STARTED_PID" ] || cohort_die "could not start a working dockerd; see $LOG"

cohort_log "chose dockerd options: ${chosen:-(default)}"
case "$chosen" in
  *--bridge=none*) cohort_log "WARNING: no bridge network; containers need --network host, published ports do not work" ;;
esac
report_engine
report_compose
cohort_log "dockerd pid: $STARTED_PID"
echo "$STARTED_PID"
