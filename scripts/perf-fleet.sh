#!/usr/bin/env bash
# Cost of the Resources tab's host list with HOSTS hosts (default 1000) read from one Prometheus.
# The script starts its own nginx and Prometheus on their own ports: nginx serves a small
# node_exporter-format page (counters from nginx's clock, so rates are real: half the hosts are
# busy at 50 % CPU, the rest idle), and Prometheus scrapes it once per host, each target with its
# own `instance`; DOWN of them point at a closed port (up == 0, `HostDown`). Then:
#   1. tui-cost: the console's CPU % of one core, RSS and time to the first frame that lists every
#      host, at 200x50 with the Prometheus polled every INTERVAL;
#   2. tui-latency: key-to-output p50/p99 while polls are in flight;
#   3. what each poll costs Prometheus: queries, bytes answered and its CPU, from its own metrics
#      over a window.
# Needs nginx, prometheus, ../shared/tools/tui-cost and tui-latency (SKIP_BUILD=1 measures the
# release binary already built):
#   scripts/perf-fleet.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TUI_COST=${TUI_COST:-$ROOT/../shared/tools/tui-cost}
TUI_LATENCY=${TUI_LATENCY:-$ROOT/../shared/tools/tui-latency}
HOSTS=${HOSTS:-1000}
DOWN=${DOWN:-5}
INTERVAL=${INTERVAL:-15s}
WINDOW=${WINDOW:-60}
RUNS=${RUNS:-2}
# What marks the first frame that lists every host.
MARKER=${MARKER:-Hosts $((HOSTS + 1)) of $((HOSTS + 1))}
NGINX_PORT=${NGINX_PORT:-58490} PROM_PORT=${PROM_PORT:-59190} CLOSED_PORT=${CLOSED_PORT:-58491}
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
T=$(mktemp -d)
cleanup() {
  for pid in "$T/nginx/pid" "$T/prom/pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$T/nginx/tmp" "$T/nginx/logs" "$T/prom/data" "$T/state"
chmod 755 "$T" "$T/nginx"

# One page for busy hosts and one for idle ones; nginx's $msec makes the counters move.
page() {
  local user=$1
  printf 'node_cpu_seconds_total{cpu=\\"0\\",mode=\\"idle\\"} $msec\\n'
  printf 'node_cpu_seconds_total{cpu=\\"0\\",mode=\\"user\\"} %s\\n' "$user"
  printf 'node_memory_MemTotal_bytes 8.589934592e+09\\n'
  printf 'node_memory_MemAvailable_bytes 3.221225472e+09\\n'
  printf 'node_memory_SwapTotal_bytes 2.147483648e+09\\n'
  printf 'node_memory_SwapFree_bytes 2.147483648e+09\\n'
  printf 'node_filesystem_size_bytes{device=\\"/dev/vda1\\",fstype=\\"ext4\\",mountpoint=\\"/\\"} 1.073741824e+11\\n'
  printf 'node_filesystem_avail_bytes{device=\\"/dev/vda1\\",fstype=\\"ext4\\",mountpoint=\\"/\\"} 4.294967296e+10\\n'
  printf 'node_load1 0.42\\n'
  printf 'node_network_receive_bytes_total{device=\\"eth0\\"} $msec\\n'
  printf 'node_network_transmit_bytes_total{device=\\"eth0\\"} $msec\\n'
  printf 'node_boot_time_seconds 1.7960e+09\\n'
  printf 'node_time_seconds $msec\\n'
}
cat >"$T/nginx/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $T/nginx/pid;
error_log $T/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $T/nginx/tmp;
  proxy_temp_path $T/nginx/tmp;
  fastcgi_temp_path $T/nginx/tmp;
  uwsgi_temp_path $T/nginx/tmp;
  scgi_temp_path $T/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    default_type text/plain;
    location = /busy { return 200 "$(page '$msec')"; }
    location = /idle { return 200 "$(page 0)"; }
  }
}
NGX
nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" >"$T/nginx/logs/out.log" 2>&1 &
until curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/busy"; do sleep 0.1; done

# One target per host: the same nginx, told apart by a `host` label that becomes `instance`.
{
  echo "global: {scrape_interval: 15s, evaluation_interval: 15s}"
  echo "scrape_configs:"
  echo "  - job_name: node-fleet"
  echo "    static_configs:"
  for i in $(seq 1 "$HOSTS"); do
    name=$(printf 'host-%04d' "$i")
    kind=$([ $((i % 2)) -eq 0 ] && echo busy || echo idle)
    port=$([ "$i" -le "$DOWN" ] && echo "$CLOSED_PORT" || echo "$NGINX_PORT")
    echo "      - {targets: ['127.0.0.1:$port'], labels: {host: '$name', page: '/$kind'}}"
  done
  echo "    relabel_configs:"
  echo "      - {source_labels: [host], target_label: instance}"
  echo "      - {source_labels: [page], target_label: __metrics_path__}"
  echo "      - {regex: 'host|page', action: labeldrop}"
} >"$T/prom/prometheus.yml"
prometheus --config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prom/log" 2>&1 &
echo $! >"$T/prom/pid"
PROM="http://127.0.0.1:$PROM_PORT"
query() { curl -sf "$PROM/api/v1/query" --data-urlencode "query=$1" | python3 -c \
  'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'; }
echo "# waiting for $HOSTS targets, two scrapes each (rates need two samples)" >&2
until [ "$(query 'count(up{job="node-fleet"}) or vector(0)' 2>/dev/null || echo 0)" = "$HOSTS" ] &&
  [ "$(query 'count(count_over_time(up{job="node-fleet"}[1m]) >= 2) or vector(0)' 2>/dev/null || echo 0)" = "$HOSTS" ]; do
  sleep 1
done

cat >"$T/config.toml" <<TOML
[[prometheus]]
name = "fleet"
url = "$PROM"
interval = "$INTERVAL"
TOML
WD="$ROOT/target/release/watchdeck --config $T/config.toml"
ENV=(-e XDG_STATE_HOME="$T/state")

# What Prometheus answered the console: requests and bytes of its query API, and its own CPU.
served() {
  curl -sf "$PROM/metrics" | python3 -c '
import sys
requests = size = cpu = 0.0
for line in sys.stdin:
    if line.startswith("prometheus_http_requests_total{") and "/api/v1/query" in line:
        requests += float(line.split()[-1])
    elif line.startswith("prometheus_http_response_size_bytes_sum{") and "/api/v1/query" in line:
        size += float(line.split()[-1])
    elif line.startswith("process_cpu_seconds_total "):
        cpu = float(line.split()[-1])
print(requests, size, cpu)'
}

# One poll, alone: what `check` asks of the Prometheus is what the console asks each interval.
read -r REQ0 BYTES0 _ < <(served)
"$ROOT/target/release/watchdeck" --config "$T/config.toml" check --only resources --format json \
  >"$T/check.json" || true
read -r REQ1 BYTES1 _ < <(served)
python3 - "$REQ0" "$REQ1" "$BYTES0" "$BYTES1" "$T/check.json" <<'EOF'
import json, sys
r0, r1, b0, b1 = map(float, sys.argv[1:5])
hosts = len(json.load(open(sys.argv[5])).get("hosts", []))
print(f"SUMMARY one poll: {r1 - r0:.0f} query requests, {(b1 - b0) / 1e3:.0f} kB answered, "
      f"{hosts} hosts")
EOF

echo "# tui-cost: $HOSTS hosts, every $INTERVAL, 200x50, $RUNS windows of ${WINDOW}s" >&2
read -r _ _ CPU0 < <(served)
START=$(date +%s.%N)
"$TUI_COST" --window "$WINDOW" --runs "$RUNS" --startup-runs 2 "${ENV[@]}" \
  "$WD" "$WINDOW" "$MARKER" 200x50
read -r _ _ CPU1 < <(served)
END=$(date +%s.%N)
python3 -c "import sys; c0, c1, t0, t1 = map(float, sys.argv[1:]); \
print(f'SUMMARY prometheus: {(c1 - c0) / (t1 - t0) * 100:.2f} % of a core over {t1 - t0:.0f} s, \
scraping $HOSTS targets and answering the consoles')" "$CPU0" "$CPU1" "$START" "$END"

echo "# tui-latency: keys while polls of $HOSTS hosts are in flight" >&2
"$TUI_LATENCY" --marker "$MARKER" --keys j,k -n 200 "${ENV[@]}" "$WD"
