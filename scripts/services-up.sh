#!/usr/bin/env bash
# Start every service the watchdeck test suite needs, as plain background processes bound to 127.0.0.1
# on non-default ports, with all state in a fresh temp dir. Needs root (apt-get, runuser).
#
#   eval "$(scripts/services-up.sh)"      # exports WATCHDECK_* and DOCKER_HOST
#   scripts/services-down.sh              # stops them again (uses WATCHDECK_SERVICES_DIR)
#
# stdout carries ONLY `export` lines; progress and errors go to stderr. On failure it prints the failing
# service and the tail of its log, stops whatever it already started, and exits non-zero.
set -euo pipefail
umask 022
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

# Keep the real stdout on fd 3 for the final export lines; everything else goes to stderr.
# Every daemon is started with 3>&- so it cannot hold the caller's $(...) pipe open.
exec 3>&1 1>&2

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_PORT=55432 MY_PORT=53306 REDIS_PORT=56379 HTTP_PORT=58080 HTTPS_PORT=58443 HTTPS_SOON_PORT=58444 HTTPS_EXPIRED_PORT=58445
PROM_PORT=59090 AM_PORT=59093 NODE_PORT=59100
export WATCHDECK_DOCKER_TLS_PORT=52376 WATCHDECK_SSH_PORT=52222   # scripts/services-remote-docker.sh
READY_TIMEOUT=${WATCHDECK_READY_TIMEOUT:-60}   # seconds, per service
PACKAGES=(postgresql mariadb-server redis-server prometheus prometheus-alertmanager prometheus-node-exporter
          nginx docker.io busybox-static tmux openssl curl ca-certificates openssh-server)

T=""            # the services dir
CURRENT=""      # service being started (for the failure report)
CURRENT_LOG=""  # its log file
OK=0
INTERRUPTED=0
TEMP_POLICY_RC=0

log() { printf 'services-up: %s\n' "$*" >&2; }
now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
since() { local us=$(( $(now_us) - $1 )); printf '%d.%02ds' $((us / 1000000)) $(((us % 1000000) / 10000)); }

on_exit() {
  local rc=$?
  if [ "$TEMP_POLICY_RC" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  [ "$OK" = 1 ] && return 0
  [ "$rc" = 0 ] && rc=1
  if [ "$INTERRUPTED" = 1 ]; then
    log "interrupted${CURRENT:+ while starting $CURRENT} (exit $rc)"
  else
    log "FAILED${CURRENT:+ while starting $CURRENT} (exit $rc)"
  fi
  if [ "$INTERRUPTED" = 0 ] && [ -n "$CURRENT_LOG" ] && [ -f "$CURRENT_LOG" ]; then
    log "last 20 lines of $CURRENT_LOG:"
    tail -n 20 "$CURRENT_LOG" | sed 's/^/    /' >&2 || true
  fi
  if [ -n "$T" ] && [ -d "$T" ]; then
    log "stopping what was already started"
    "$SCRIPT_DIR/services-down.sh" "$T" 3>&- >&2 || log "services-down.sh failed; leftovers may remain in $T"
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'INTERRUPTED=1; exit 130' INT
trap 'INTERRUPTED=1; exit 143' TERM

fail() { log "ERROR: $*"; exit 1; }

# begin NAME LOGFILE: mark the service being started (failure reports use it).
begin() { CURRENT=$1; CURRENT_LOG=$2; START_US=$(now_us); }

# wait_ready NAME PID CMD...: poll CMD every 0.1 s until it succeeds, the process PID (if given) dies,
# or READY_TIMEOUT passes.
wait_ready() {
  local name=$1 pid=$2; shift 2
  local deadline=$(( $(now_us) + READY_TIMEOUT * 1000000 ))
  while ! "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      fail "$name exited before becoming ready"
    fi
    [ "$(now_us)" -lt "$deadline" ] || fail "$name not ready after ${READY_TIMEOUT}s (check: $*)"
    sleep 0.1
  done
}
ready() { log "$(printf '%-14s ready in %s' "$1" "$(since "$START_US")")"; }

port_in_use() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || fail "must run as root (apt-get, and PostgreSQL runs via runuser -u postgres)"

# 1. Packages. Skipped when everything is already installed (warm runs, no network needed);
#    WATCHDECK_FORCE_APT=1 forces apt-get update + install anyway.
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
APT_LOG=$(mktemp /tmp/watchdeck-apt.XXXXXX.log)
if [ "${#missing[@]}" -gt 0 ] || [ "${WATCHDECK_FORCE_APT:-0}" = 1 ]; then
  begin apt "$APT_LOG"
  log "apt-get install: ${missing[*]:-(all present; forced)} (log: $APT_LOG)"
  # Stop package postinst scripts from starting the system-wide services (no systemd here).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && TEMP_POLICY_RC=1
  fi
  apt_ok=0
  for attempt in 1 2 3; do   # retried: a mirror hiccup should not fail the whole test run
    if apt-get -o DPkg::Lock::Timeout=900 update >>"$APT_LOG" 2>&1 \
       && apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "${PACKAGES[@]}" \
            >>"$APT_LOG" 2>&1; then
      apt_ok=1; break
    fi
    log "apt-get attempt $attempt failed"; sleep $((attempt * 5))
  done
  [ "$apt_ok" = 1 ] || fail "apt-get update/install failed"
  if [ "$TEMP_POLICY_RC" = 1 ]; then rm -f /usr/sbin/policy-rc.d; TEMP_POLICY_RC=0; fi
  log "$(printf '%-14s done in %s' packages "$(since "$START_US")")"
fi
rm -f "$APT_LOG"
CURRENT="" CURRENT_LOG=""

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/pg_ctl" ] || fail "PostgreSQL server binaries not found under /usr/lib/postgresql"
BUSYBOX=$(command -v busybox) || fail "busybox not found"

# 2. Refuse to attach to somebody else's server.
busy=()
for port in $PG_PORT $MY_PORT $REDIS_PORT $HTTP_PORT $HTTPS_PORT $HTTPS_SOON_PORT $HTTPS_EXPIRED_PORT $PROM_PORT $AM_PORT $NODE_PORT \
            $WATCHDECK_DOCKER_TLS_PORT $WATCHDECK_SSH_PORT; do
  if port_in_use "$port"; then
    busy+=("$port")
    log "ERROR: port 127.0.0.1:$port is already in use:"
    if command -v ss >/dev/null; then ss -Hltnp "sport = :$port" | sed 's/^/    /' >&2 || true; fi
  fi
done
if [ "${#busy[@]}" -gt 0 ]; then
  for d in /tmp/watchdeck-services.*; do
    [ -e "$d/.watchdeck-services" ] && log "a previous run's dir still exists; stop it with: $SCRIPT_DIR/services-down.sh $d"
  done
  fail "port(s) ${busy[*]} already in use; not attaching to a server this script did not start"
fi

# 3. The services dir. Mode 755: PostgreSQL runs as postgres and nginx workers as nobody.
T=$(mktemp -d /tmp/watchdeck-services.XXXXXX)
chmod 755 "$T"
touch "$T/.watchdeck-services"   # marker checked by services-down.sh before it deletes anything
log "services dir: $T"

# --- PostgreSQL (refuses to run as root) -------------------------------------------------------------
mkdir -p "$T/pg" && chown postgres:postgres "$T/pg"
begin postgresql "$T/pg/initdb.log"
runuser -u postgres -- "$PGBIN/initdb" -D "$T/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
  --no-sync </dev/null >"$T/pg/initdb.log" 2>&1 3>&- || fail "initdb failed"
CURRENT_LOG="$T/pg/log"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg/data" -l "$T/pg/log" -w -t "$READY_TIMEOUT" \
  -o "-p $PG_PORT -k $T/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start </dev/null >>"$T/pg/ctl.log" 2>&1 3>&- || fail "pg_ctl start failed"
wait_ready postgresql "" "$PGBIN/pg_isready" -q -h 127.0.0.1 -p $PG_PORT -U postgres
ready postgresql

# --- The rest start in the background; readiness is polled below. -------------------------------------
# MariaDB (root with an empty password over TCP and the socket)
mkdir -p "$T/my"
begin mariadb "$T/my/install.log"
mariadb-install-db --no-defaults --datadir="$T/my/data" --user=root --auth-root-authentication-method=normal \
  --skip-test-db </dev/null >"$T/my/install.log" 2>&1 3>&- || fail "mariadb-install-db failed"
MY_START=$(now_us)
nohup mariadbd --no-defaults --datadir="$T/my/data" --socket="$T/my/sock" --pid-file="$T/my/pid" \
  --port=$MY_PORT --bind-address=127.0.0.1 --user=root --skip-name-resolve --innodb-buffer-pool-size=64M \
  --log-error="$T/my/err.log" </dev/null >"$T/my/out.log" 2>&1 3>&- &
MY_PID=$!; echo "$MY_PID" >"$T/my/pid.launch"

# Redis (no persistence)
mkdir -p "$T/redis"
REDIS_START=$(now_us)
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no --dir "$T/redis" \
  --daemonize yes --pidfile "$T/redis/pid" --logfile "$T/redis/log" </dev/null >>"$T/redis/log" 2>&1 3>&- \
  || { begin redis "$T/redis/log"; fail "redis-server failed to start"; }

# node_exporter (Debian binary name; no systemd here, so its collector is off)
mkdir -p "$T/node/textfile"
NODE_START=$(now_us)
nohup prometheus-node-exporter --web.listen-address=127.0.0.1:$NODE_PORT --no-collector.systemd \
  --collector.textfile.directory="$T/node/textfile" </dev/null >"$T/node/log" 2>&1 3>&- &
echo $! >"$T/node/pid"

# Alertmanager (Debian binary name; clustering off, otherwise it binds 0.0.0.0:9094)
mkdir -p "$T/am"
cat >"$T/am/alertmanager.yml" <<'YML'
route: {receiver: default, group_wait: 1s, group_interval: 5s, repeat_interval: 1h}
receivers: [{name: default}]
YML
AM_START=$(now_us)
nohup prometheus-alertmanager --config.file="$T/am/alertmanager.yml" --storage.path="$T/am/data" \
  --web.listen-address=127.0.0.1:$AM_PORT --cluster.listen-address= </dev/null >"$T/am/log" 2>&1 3>&- &
echo $! >"$T/am/pid"

# Prometheus: scrapes node_exporter and itself every 2 s, sends alerts to Alertmanager.
mkdir -p "$T/prom"
cat >"$T/prom/prometheus.yml" <<YML
global: {scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s}
alerting: {alertmanagers: [{static_configs: [{targets: ['127.0.0.1:$AM_PORT']}]}]}
rule_files: [rules.yml]
scrape_configs:
  - {job_name: node, static_configs: [{targets: ['127.0.0.1:$NODE_PORT']}]}
  - {job_name: prometheus, static_configs: [{targets: ['127.0.0.1:$PROM_PORT']}]}
YML
cat >"$T/prom/rules.yml" <<'YML'
groups:
  - name: watchdeck-test
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels: {severity: info}
        annotations: {summary: "Always firing test alert"}
YML
PROM_START=$(now_us)
nohup prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
  --web.listen-address=127.0.0.1:$PROM_PORT --web.enable-lifecycle --rules.alert.resend-delay=2s \
  </dev/null >"$T/prom/log" 2>&1 3>&- &
echo $! >"$T/prom/pid"

# Docker engine: own socket, data and exec roots; no bridge, no iptables changes.
mkdir -p "$T/docker"
DOCKER_SOCK="$T/docker/sock"
DOCKER_START=$(now_us)
nohup dockerd --host "unix://$DOCKER_SOCK" --data-root "$T/docker/root" --exec-root "$T/docker/exec" \
  --pidfile "$T/docker/pid" --storage-driver overlay2 --bridge none --iptables=false --ip6tables=false \
  --ip-masq=false --ip-forward=false </dev/null >"$T/docker/log" 2>&1 3>&- &
DOCKER_PID=$!; echo "$DOCKER_PID" >"$T/docker/pid.launch"

# TLS: a throwaway CA plus a leaf for 127.0.0.1/localhost (rustls rejects a CA cert used as a leaf),
# and two more leaves of the same CA for the Endpoints tab: one that expires in 2 days, one expired.
mkdir -p "$T/tls"
begin tls "$T/tls/openssl.log"
{
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 30 \
    -subj "/CN=watchdeck test CA" -keyout "$T/tls/ca.key" -out "$T/tls/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
    -subj "/CN=localhost" -keyout "$T/tls/server.key" -out "$T/tls/server.csr"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$T/tls/server.ext"
  openssl x509 -req -in "$T/tls/server.csr" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$T/tls/server.ext" -out "$T/tls/server.pem"
  for leaf in soon:2 expired:-1; do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
      -subj "/CN=localhost ${leaf%%:*}" -keyout "$T/tls/${leaf%%:*}.key" -out "$T/tls/${leaf%%:*}.csr"
    openssl x509 -req -in "$T/tls/${leaf%%:*}.csr" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" \
      -CAcreateserial -days "${leaf#*:}" -sha256 -extfile "$T/tls/server.ext" -out "$T/tls/${leaf%%:*}.pem"
  done
} </dev/null >"$T/tls/openssl.log" 2>&1 3>&- || fail "certificate generation failed"
chmod 644 "$T/tls/ca.pem" "$T/tls/server.pem" "$T/tls/soon.pem" "$T/tls/expired.pem"
chmod 600 "$T/tls/ca.key" "$T/tls/server.key" "$T/tls/soon.key" "$T/tls/expired.key"

# nginx: /health.json 200, /down 503, /slow ~2 s, anything else 404, on HTTP and HTTPS.
# /slow: nginx has no sleep, so /slow proxies to /slow-inner with a per-request key, and limit_req
# (30 r/m, burst) delays that second request with the same key by 1/rate = 2 s. Keys are per request,
# so concurrent /slow calls do not slow each other down.
mkdir -p "$T/nginx/html" "$T/nginx/tmp" "$T/nginx/logs"
printf '{"status":"healthy","service":"watchdeck-test-nginx"}\n' >"$T/nginx/html/health.json"
printf '{"status":"slow","delay_seconds":2}\n' >"$T/nginx/html/slow.json"
printf '{"status":"ok"}\n' >"$T/nginx/html/index.json"
chmod 755 "$T/nginx" "$T/nginx/html"; chmod 644 "$T/nginx/html/"*
cat >"$T/nginx/nginx.conf" <<NGX
daemon on;
pid $T/nginx/pid;
error_log $T/nginx/logs/error.log;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log $T/nginx/logs/access.log;
  client_body_temp_path $T/nginx/tmp/body; proxy_temp_path $T/nginx/tmp/proxy;
  fastcgi_temp_path $T/nginx/tmp/fastcgi; uwsgi_temp_path $T/nginx/tmp/uwsgi; scgi_temp_path $T/nginx/tmp/scgi;
  types { application/json json; text/html html; text/plain txt; }
  default_type application/octet-stream;
  server_tokens off;
  map \$http_x_watchdeck_slow \$slow_key { "" \$request_id; default \$http_x_watchdeck_slow; }
  limit_req_zone \$slow_key zone=slow:1m rate=30r/m;
  limit_req_status 429;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    listen 127.0.0.1:$HTTPS_PORT ssl;
    server_name localhost 127.0.0.1;
    ssl_certificate $T/tls/server.pem;
    ssl_certificate_key $T/tls/server.key;
    root $T/nginx/html;
    location = / { default_type application/json; try_files /index.json =404; }
    location = /health.json { default_type application/json; }
    location = /health { default_type application/json; try_files /health.json =404; }
    location = /down { default_type application/json; return 503 '{"status":"down"}\n'; }
    location = /slow {
      limit_req zone=slow burst=20;
      proxy_set_header X-Watchdeck-Slow \$slow_key;
      proxy_read_timeout 30s;
      proxy_pass http://127.0.0.1:$HTTP_PORT/slow-inner;
    }
    location = /slow-inner {
      allow 127.0.0.1; deny all;
      limit_req zone=slow burst=20;
      default_type application/json;
      try_files /slow.json =404;
    }
  }
  # The Endpoints tab's certificates: the health body behind a leaf that expires in 2 days, and
  # behind one that expired yesterday.
  server {
    listen 127.0.0.1:$HTTPS_SOON_PORT ssl;
    ssl_certificate $T/tls/soon.pem;
    ssl_certificate_key $T/tls/soon.key;
    root $T/nginx/html;
    location / { default_type application/json; try_files /health.json =404; }
  }
  server {
    listen 127.0.0.1:$HTTPS_EXPIRED_PORT ssl;
    ssl_certificate $T/tls/expired.pem;
    ssl_certificate_key $T/tls/expired.key;
    root $T/nginx/html;
    location / { default_type application/json; try_files /health.json =404; }
  }
}
NGX
begin nginx "$T/nginx/logs/error.log"
nginx -t -q -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/logs/error.log" </dev/null \
  >>"$T/nginx/logs/error.log" 2>&1 3>&- || fail "nginx config test failed"
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/logs/error.log" </dev/null \
  >>"$T/nginx/logs/error.log" 2>&1 3>&- || fail "nginx failed to start"
NGINX_PID=$(cat "$T/nginx/pid" 2>/dev/null || true)
wait_ready nginx "$NGINX_PID" curl -sf -o /dev/null http://127.0.0.1:$HTTP_PORT/health.json
wait_ready nginx-https "$NGINX_PID" curl -sf -o /dev/null --cacert "$T/tls/ca.pem" https://127.0.0.1:$HTTPS_PORT/health.json
wait_ready nginx-https-soon "$NGINX_PID" curl -sf -o /dev/null --cacert "$T/tls/ca.pem" https://127.0.0.1:$HTTPS_SOON_PORT/health
wait_ready nginx-https-expired "$NGINX_PID" curl -sfk -o /dev/null https://127.0.0.1:$HTTPS_EXPIRED_PORT/health
ready nginx

# --- Readiness of the background services ---------------------------------------------------------
begin mariadb "$T/my/err.log"; START_US=$MY_START
wait_ready mariadb "$MY_PID" mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P $MY_PORT -u root \
  --connect-timeout=2 ping
ready mariadb

begin redis "$T/redis/log"; START_US=$REDIS_START
REDIS_PID=$(cat "$T/redis/pid" 2>/dev/null || true)
wait_ready redis "$REDIS_PID" sh -c "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping | grep -qx PONG"
ready redis

begin node_exporter "$T/node/log"; START_US=$NODE_START
wait_ready node_exporter "$(cat "$T/node/pid")" curl -sf -o /dev/null http://127.0.0.1:$NODE_PORT/metrics
ready node_exporter

begin alertmanager "$T/am/log"; START_US=$AM_START
wait_ready alertmanager "$(cat "$T/am/pid")" curl -sf -o /dev/null http://127.0.0.1:$AM_PORT/-/ready
ready alertmanager

begin prometheus "$T/prom/log"; START_US=$PROM_START
wait_ready prometheus "$(cat "$T/prom/pid")" curl -sf -o /dev/null http://127.0.0.1:$PROM_PORT/-/ready
ready prometheus

begin docker "$T/docker/log"; START_US=$DOCKER_START
wait_ready docker "$DOCKER_PID" curl -sf -o /dev/null --unix-socket "$DOCKER_SOCK" http://localhost/_ping
ready docker

# A local image, since no registry can be reached.
begin docker-image "$T/docker/import.log"
R="$T/docker/rootfs"
mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/root" "$R/proc" "$R/sys" "$R/dev"
chmod 1777 "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
for applet in $("$R/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$R/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
tar -C "$R" -c . | DOCKER_HOST="unix://$DOCKER_SOCK" timeout 120 docker import \
  --change 'CMD ["/bin/sh"]' - local/busybox:test >"$T/docker/import.log" 2>&1 3>&- \
  || fail "docker import failed"
rm -rf "$R"
ready docker-image

# Remote engines: a second dockerd over TLS with client certificates, and an sshd in front of it.
begin remote-docker "$T/remote-docker.log"
REMOTE_ENV=$("$SCRIPT_DIR/services-remote-docker.sh" "$T" "unix://$DOCKER_SOCK" 2>"$T/remote-docker.log" 3>&-) \
  || fail "the remote Docker engines did not start"
ready remote-docker

# Prometheus only picks up targets after its first discovery round (~5 s); wait until it has node data
# so tests can query right away, and until its always-firing alert reached Alertmanager.
begin prometheus-data "$T/prom/log"; START_US=$PROM_START
wait_ready prometheus-data "$(cat "$T/prom/pid")" sh -c "curl -sf \
  'http://127.0.0.1:$PROM_PORT/api/v1/query?query=up%7Bjob%3D%22node%22%7D%3D%3D1' | grep -q '\"value\"'"
ready prometheus-data
begin alert-delivery "$T/am/log"; START_US=$PROM_START
wait_ready alert-delivery "$(cat "$T/am/pid")" sh -c "curl -sf \
  'http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22AlwaysFiring%22' | grep -q AlwaysFiring"
ready alert-delivery

CURRENT="" CURRENT_LOG=""
OK=1
cat >&3 <<ENV
export WATCHDECK_SERVICES_DIR=$T
export WATCHDECK_TEST_PG_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres
export WATCHDECK_TEST_MYSQL_URL=mysql://root@127.0.0.1:$MY_PORT
export WATCHDECK_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export WATCHDECK_TEST_PROMETHEUS_URL=http://127.0.0.1:$PROM_PORT
export WATCHDECK_TEST_ALERTMANAGER_URL=http://127.0.0.1:$AM_PORT
export WATCHDECK_TEST_NODE_EXPORTER_URL=http://127.0.0.1:$NODE_PORT
export WATCHDECK_TEST_HTTP_URL=http://127.0.0.1:$HTTP_PORT
export WATCHDECK_TEST_HTTPS_URL=https://127.0.0.1:$HTTPS_PORT
export WATCHDECK_TEST_HTTPS_SOON_URL=https://127.0.0.1:$HTTPS_SOON_PORT
export WATCHDECK_TEST_HTTPS_EXPIRED_URL=https://127.0.0.1:$HTTPS_EXPIRED_PORT
export WATCHDECK_TEST_CA_CERT=$T/tls/ca.pem
export WATCHDECK_TEST_DOCKER_HOST=unix://$DOCKER_SOCK
export DOCKER_HOST=unix://$DOCKER_SOCK
$REMOTE_ENV
ENV
log "all services ready in $T"
