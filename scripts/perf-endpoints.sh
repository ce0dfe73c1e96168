#!/usr/bin/env bash
# Cost of the Endpoints tab probing 500 endpoints every 10 s (200 HTTP, 200 HTTPS, 100 TCP)
# against a local nginx this script starts on its own ports (the shared test nginx allows 256
# connections; 400 kept ones need more), then how fast it answers keys (tui-latency) and how
# late each poll started after its schedule, from the console's debug log. Needs nginx, openssl,
# ../shared/tools/tui-cost and tui-latency:
#   scripts/perf-endpoints.sh
# MINUTES=N instead samples the console's RSS once a minute for N minutes (memory over time, which
# tui-cost's short windows do not see). KINDS picks the endpoints' kinds in turn (default
# "tcp http http https https") and INTERVAL their interval, e.g. to see what one kind costs alone:
#   MINUTES=10 KINDS=http scripts/perf-endpoints.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TUI_COST=${TUI_COST:-$ROOT/../shared/tools/tui-cost}
WINDOW=${WINDOW:-30}
RUNS=${RUNS:-3}
COUNT=${COUNT:-500}
MINUTES=${MINUTES:-}
read -ra KIND_CYCLE <<<"${KINDS:-tcp http http https https}"
INTERVAL=${INTERVAL:-10s} TIMEOUT=${TIMEOUT:-3s}
# The tab shown and what marks its first frame (for a baseline: COUNT=0 MARKER='No endpoint').
TAB=${TAB:-endpoints}
MARKER=${MARKER:-Endpoints $COUNT of $COUNT}
HTTP_PORT=${HTTP_PORT:-58470} HTTPS_PORT=${HTTPS_PORT:-58471}
cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
T=$(mktemp -d)
cleanup() {
  [ -f "$T/nginx/pid" ] && kill "$(cat "$T/nginx/pid")" 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/nginx/html" "$T/nginx/tmp" "$T/nginx/logs" "$T/state"
# nginx workers run as nobody when started by root: they must reach the html.
chmod 755 "$T" "$T/nginx" "$T/nginx/html"
{
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 30 \
    -subj "/CN=perf CA" -keyout "$T/ca.key" -out "$T/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
    -subj "/CN=localhost" -keyout "$T/server.key" -out "$T/server.csr"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "extendedKeyUsage=serverAuth" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$T/server.ext"
  openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$T/server.ext" -out "$T/server.pem"
} </dev/null >"$T/openssl.log" 2>&1
printf '{"status":"healthy"}\n' >"$T/nginx/html/health.json"
chmod 644 "$T/nginx/html/health.json"
cat >"$T/nginx/nginx.conf" <<NGX
daemon on;
pid $T/nginx/pid;
error_log $T/nginx/logs/error.log;
worker_processes 1;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path $T/nginx/tmp/body; proxy_temp_path $T/nginx/tmp/proxy;
  fastcgi_temp_path $T/nginx/tmp/fastcgi; uwsgi_temp_path $T/nginx/tmp/uwsgi; scgi_temp_path $T/nginx/tmp/scgi;
  keepalive_timeout 120s;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    listen 127.0.0.1:$HTTPS_PORT ssl;
    ssl_certificate $T/server.pem;
    ssl_certificate_key $T/server.key;
    root $T/nginx/html;
    location / { default_type application/json; try_files /health.json =404; }
  }
}
NGX
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/logs/error.log" </dev/null
deadline=$((SECONDS + 10))
until curl -sf -o /dev/null --cacert "$T/ca.pem" "https://127.0.0.1:$HTTPS_PORT/health"; do
  [ $SECONDS -lt $deadline ] || { echo "perf nginx not ready" >&2; exit 1; }
  sleep 0.1
done
CONFIG="$T/config.toml"
for i in $(seq 1 "$COUNT"); do
  printf '[[endpoint]]\ninterval = "%s"\ntimeout = "%s"\n' "$INTERVAL" "$TIMEOUT"
  case ${KIND_CYCLE[i % ${#KIND_CYCLE[@]}]} in
    tcp) printf 'name = "tcp-%d"\nurl = "tcp://127.0.0.1:%d"\ngroup = "tcp"\n' "$i" "$HTTP_PORT" ;;
    http) printf 'name = "http-%d"\nurl = "http://127.0.0.1:%d/health"\ngroup = "http"\njson = { pointer = "/status", equals = "healthy" }\n' "$i" "$HTTP_PORT" ;;
    https) printf 'name = "https-%d"\nurl = "https://127.0.0.1:%d/health"\ngroup = "https"\nca_file = "%s"\n' "$i" "$HTTPS_PORT" "$T/ca.pem" ;;
    *) echo "unknown kind in KINDS: ${KIND_CYCLE[i % ${#KIND_CYCLE[@]}]}" >&2; exit 1 ;;
  esac
done >"$CONFIG"
[ "$COUNT" -gt 0 ] || : >"$CONFIG"
echo "# $COUNT endpoints (${KIND_CYCLE[*]}) every $INTERVAL against nginx on 127.0.0.1:$HTTP_PORT/$HTTPS_PORT" >&2
if [ -n "$MINUTES" ]; then
  # The console in a tmux server of its own, its VmRSS read once a minute.
  SOCKET="$T/tmux.sock"
  tmux -S "$SOCKET" new-session -d -x 200 -y 50 \
    "exec env XDG_STATE_HOME=$T/state DOCKER_HOST=unix:///nonexistent.sock $ROOT/target/release/watchdeck --config $CONFIG --tab $TAB 2>$T/stderr"
  trap 'tmux -S "$SOCKET" kill-server 2>/dev/null || true; cleanup' EXIT
  PID=$(tmux -S "$SOCKET" display-message -p '#{pane_pid}')
  for minute in $(seq 1 "$MINUTES"); do
    sleep 60
    kill -0 "$PID" 2>/dev/null || { echo "the console exited:" >&2; cat "$T/stderr" >&2; exit 1; }
    awk -v m="$minute" '/^VmRSS/ { printf "RSS minute=%d rss_mib=%.1f\n", m, $2 / 1024 }' "/proc/$PID/status"
  done
  exit 0
fi
"$TUI_COST" --window "$WINDOW" --runs "$RUNS" -q -e XDG_STATE_HOME="$T/state" -e DOCKER_HOST=unix:///nonexistent.sock \
  "$ROOT/target/release/watchdeck --config $CONFIG --tab $TAB" "$WINDOW" "$MARKER" 200x50 | grep SUMMARY
# Keys while the prober runs: moving in the list of endpoints, from a key to its frame.
"${TUI_LATENCY:-$ROOT/../shared/tools/tui-latency}" -q -n 200 --keys j,j,k,k --marker "$MARKER" \
  -e XDG_STATE_HOME="$T/state" -e DOCKER_HOST=unix:///nonexistent.sock \
  "$ROOT/target/release/watchdeck --config $CONFIG --tab $TAB" | grep SUMMARY | sed 's/^SUMMARY/KEYS/'
# Schedule spread: one more run with the prober's debug lines, the lag of every poll started.
rm -f "$T/state/watchdeck/watchdeck.log"
"$TUI_COST" --window "$WINDOW" --runs 1 --startup-runs 0 -q -e XDG_STATE_HOME="$T/state" -e DOCKER_HOST=unix:///nonexistent.sock \
  -e WATCHDECK_LOG=watchdeck::collect::endpoints=debug \
  "$ROOT/target/release/watchdeck --config $CONFIG --tab $TAB" "$WINDOW" "$MARKER" 200x50 >/dev/null
grep -o 'lag_us=[0-9]*' "$T/state/watchdeck/watchdeck.log" | cut -d= -f2 | sort -n | awk '
  function at(q) { i = int(NR * q + 0.999999); return lag[i < 1 ? 1 : i] / 1000 }
  { lag[NR] = $1; if ($1 > 100000) late++ }
  END {
    if (NR == 0) { print "no polls logged"; exit 1 }
    printf "LAG polls=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms over_100ms=%d\n",
      NR, at(0.5), at(0.9), at(0.99), lag[NR] / 1000, late
  }'
