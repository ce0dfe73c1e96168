#!/usr/bin/env bash
# Stop everything scripts/services-up.sh started and remove its temp dir.
#   scripts/services-down.sh [DIR]      (DIR defaults to $WATCHDECK_SERVICES_DIR)
# Safe to run twice, and when some services never started. Progress goes to stderr.
set -euo pipefail
exec 1>&2

log() { printf 'services-down: %s\n' "$*" >&2; }

T=${1:-${WATCHDECK_SERVICES_DIR:-}}
if [ -z "$T" ]; then
  log "usage: $0 DIR (or set WATCHDECK_SERVICES_DIR)"; exit 2
fi
if [ ! -d "$T" ]; then
  log "$T does not exist; nothing to stop"; exit 0
fi
T=$(cd "$T" && pwd -P)
if [ ! -e "$T/.watchdeck-services" ]; then
  log "refusing: $T is not a watchdeck services dir (no .watchdeck-services marker)"; exit 2
fi

PG_PORT=55432
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
DOCKER_SOCK="$T/docker/sock"

# alive PID NAME: PID is running and its command line mentions NAME (guards against PID reuse).
alive() {
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}
pid_from() { [ -s "$1" ] && head -n 1 "$1" | tr -dc '0-9' || true; }

# 1. Containers first: dockerd would otherwise wait 10 s per container on shutdown. Both engines: the
#    local one and the TLS one of services-remote-docker.sh (through its socket).
for sock in "$DOCKER_SOCK" "$T/dtls/sock"; do
  if [ -S "$sock" ] && command -v docker >/dev/null \
     && curl -sf -m 5 -o /dev/null --unix-socket "$sock" http://localhost/_ping; then
    ids=$(DOCKER_HOST="unix://$sock" timeout 30 docker ps -aq 2>/dev/null || true)
    if [ -n "$ids" ]; then
      log "removing $(echo "$ids" | wc -w) container(s) of $sock"
      # shellcheck disable=SC2086
      DOCKER_HOST="unix://$sock" timeout 60 docker rm -f $ids >/dev/null 2>&1 || log "docker rm -f failed"
    fi
  fi
done

# 2. Ask every service to stop. Collect "pid name" pairs to wait for.
declare -a wait_pids=() wait_names=()
track() { if alive "$1" "$2"; then wait_pids+=("$1"); wait_names+=("$2"); fi; }

# PostgreSQL: its own stop command (as the postgres user), SIGTERM as a fallback.
pg_pid=$(pid_from "$T/pg/data/postmaster.pid")
if alive "$pg_pid" postgres; then
  track "$pg_pid" postgres
  if [ -n "$PGBIN" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg/data" -m fast -w -t 20 stop >/dev/null 2>&1 \
      || { log "pg_ctl stop failed; sending SIGTERM"; kill -TERM "$pg_pid" 2>/dev/null || true; }
  else
    kill -TERM "$pg_pid" 2>/dev/null || true
  fi
fi

# MariaDB: shutdown through ITS socket (so we never stop somebody else's server), SIGTERM as a fallback.
my_pid=$(pid_from "$T/my/pid"); [ -n "$my_pid" ] || my_pid=$(pid_from "$T/my/pid.launch")
if alive "$my_pid" mariadbd; then
  track "$my_pid" mariadbd
  timeout 20 mariadb-admin --no-defaults --socket="$T/my/sock" -u root shutdown >/dev/null 2>&1 \
    || kill -TERM "$my_pid" 2>/dev/null || true
fi

# The rest: SIGTERM by pid file (redis-server without persistence exits at once on SIGTERM).
for entry in "redis/pid redis-server" "nginx/pid nginx" "prom/pid prometheus" "am/pid prometheus-alertmanager" \
             "node/pid prometheus-node-exporter" "docker/pid dockerd" "docker/pid.launch dockerd" \
             "dtls/pid dockerd" "dtls/pid.launch dockerd" "ssh/pid sshd" "ssh/pid.launch sshd"; do
  file=${entry%% *} name=${entry#* }
  pid=$(pid_from "$T/$file")
  if alive "$pid" "$name"; then
    track "$pid" "$name"
    kill -TERM "$pid" 2>/dev/null || true
  fi
done

# 3. Wait (bounded) for them to exit; SIGKILL what is still there after 30 s.
deadline=$((SECONDS + 30))
for i in "${!wait_pids[@]}"; do
  pid=${wait_pids[$i]} name=${wait_names[$i]}
  while alive "$pid" "$name" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if alive "$pid" "$name"; then
    log "$name (pid $pid) did not exit in time; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
done

# 4. Sweep: any process still running from the dir (containerd, shims, stray children): TERM, then KILL.
leftovers() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$T/" && echo "$p"
  done
  return 0
}
left=$(leftovers)
if [ -n "$left" ]; then
  log "terminating leftover processes: $(echo $left)"
  # shellcheck disable=SC2086
  kill -TERM $left 2>/dev/null || true
  for _ in $(seq 1 50); do [ -z "$(leftovers)" ] && break; sleep 0.1; done
  left=$(leftovers)
  # shellcheck disable=SC2086
  [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
fi

# 5. Unmount whatever is still mounted under the dir (e.g. <exec-root>/netns/default left by
#    --network host containers, overlay mounts of a killed dockerd), deepest first.
mounts=$(awk -v t="$T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r || true)
for m in $mounts; do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
done

# 6. Remove the dir.
if rm -rf "$T" 2>/dev/null || { sleep 0.5; rm -rf "$T"; }; then
  log "stopped; removed $T"
else
  log "ERROR: could not remove $T"; exit 1
fi
