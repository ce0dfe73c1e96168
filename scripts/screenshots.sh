#!/usr/bin/env bash
# Render the README's screenshots: each tab of the console at 160x45, as PNGs in assets/screenshots/.
#
#   scripts/screenshots.sh                 # builds and uses the debug binary (fast to build)
#   BIN=target/release/watchdeck scripts/screenshots.sh    # any other binary
#
# Uses the test services (scripts/services-up.sh; when WATCHDECK_SERVICES_DIR is already set, as
# after `eval "$(scripts/services-up.sh)"`, those are used and left running) and gives them
# realistic data: a few containers of the local busybox image (one unhealthy, one exited with
# code 1), a long query on PostgreSQL, endpoints of the test nginx (one slow, one failing), a
# fleet alert in Alertmanager. It runs the console in a private tmux server with a config written
# to a temp dir (rules' `for` shortened so alerts fire within the run) and a fresh state dir,
# acknowledges one alert with a note through the keys, visits each tab until its marker shows, and
# renders each screen with ../shared/tools/tui-shot (else tui-shot on PATH; TUI_SHOT overrides
# both). Everything it made is removed on exit. OUT=DIR writes the PNGs elsewhere.
#
# Needs: docker, psql, tmux, curl; tui-shot installs aha and chromium when missing.
set -euo pipefail
export LC_ALL=C.UTF-8

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/assets/screenshots}
TUI_SHOT=${TUI_SHOT:-$ROOT/../shared/tools/tui-shot}
[ -x "$TUI_SHOT" ] || TUI_SHOT=$(command -v tui-shot) \
  || { echo "screenshots: tui-shot not found: set TUI_SHOT=/path/to/tui-shot" >&2; exit 1; }
COLS=160 ROWS=45
TIMEOUT=${SCREENSHOTS_TIMEOUT:-90}   # seconds to wait for each marker

# The screens, captured in this order: the file's name (assets/screenshots/NAME.png), tmux key
# names to press (the tab's number, then whatever opens what the picture shows), a text the screen
# shows once its data is in, and optionally a text that shows once the right row is selected
# (`j` moves down until it does). Add a tab here.
TABS=(
  "alerts|3 g|firing ✓|acknowledged by"
  "containers|2 g Enter|shop-worker|shop-worker running"
  "databases|4|pg_sleep"
  "endpoints|5 v o Enter|payments http"
  "runbook|6|Daily check"
  "resources|1 m|Processes"
)

log() { printf 'screenshots: %s\n' "$*" >&2; }
fail() { log "ERROR: $*"; exit 1; }
SECONDS=0

# --- The binary ---------------------------------------------------------------------------------
if [ -z "${BIN:-}" ]; then
  log "cargo build (debug)"
  (cd "$ROOT" && cargo build --quiet)
  BIN=$ROOT/target/debug/watchdeck
fi
BIN=$(realpath "$BIN")
[ -x "$BIN" ] || fail "no binary at $BIN"

# --- Cleanup of whatever this run made -----------------------------------------------------------
W=$(mktemp -d /tmp/watchdeck-screenshots.XXXXXX)
CONTAINERS=(shop-api shop-worker shop-web shop-migrate redis-cache log-shipper node-exporter)
AM_ALERT=""
PSQL_PIDS=()
STARTED_SERVICES=0
cleanup() {
  local rc=$?
  tmux -S "$W/tmux.sock" kill-server 2>/dev/null || true
  exec 7>&-
  for pid in "${PSQL_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ "${#PSQL_PIDS[@]}" -gt 0 ]; then
    psql -qAt "$WATCHDECK_TEST_PG_URL" -c "drop database if exists shop with (force)" >/dev/null 2>&1 \
      || log "could not drop the database shop"
  fi
  if [ -n "$AM_ALERT" ]; then   # resolve it, so the shared Alertmanager does not keep it
    curl -sf -o /dev/null -H 'Content-Type: application/json' \
      -d "$(am_alert "$(date -u +%FT%TZ)")" "$WATCHDECK_TEST_ALERTMANAGER_URL/api/v2/alerts" || true
  fi
  if [ -n "${DOCKER_HOST:-}" ]; then docker rm -f "${CONTAINERS[@]}" >/dev/null 2>&1 || true; fi
  if [ "$STARTED_SERVICES" = 1 ]; then "$ROOT/scripts/services-down.sh" "$WATCHDECK_SERVICES_DIR" || true; fi
  rm -rf "$W"
  if [ "$rc" = 0 ]; then log "done in ${SECONDS}s"; else log "FAILED after ${SECONDS}s"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Services -----------------------------------------------------------------------------------
if [ -z "${WATCHDECK_SERVICES_DIR:-}" ]; then
  log "starting the test services"
  services_env=$("$ROOT/scripts/services-up.sh") || fail "scripts/services-up.sh failed (its reasons are above)"
  eval "$services_env"
  STARTED_SERVICES=1
fi
for v in WATCHDECK_TEST_PG_URL WATCHDECK_TEST_MYSQL_URL WATCHDECK_TEST_REDIS_URL WATCHDECK_TEST_HTTP_URL \
         WATCHDECK_TEST_HTTPS_URL WATCHDECK_TEST_HTTPS_SOON_URL WATCHDECK_TEST_CA_CERT \
         WATCHDECK_TEST_ALERTMANAGER_URL WATCHDECK_TEST_DOCKER_HOST; do
  [ -n "${!v:-}" ] || fail "$v is not set: eval \"\$(scripts/services-up.sh)\" first, or unset WATCHDECK_SERVICES_DIR"
done
export DOCKER_HOST=$WATCHDECK_TEST_DOCKER_HOST

# --- Data ---------------------------------------------------------------------------------------
log "containers"
docker rm -f "${CONTAINERS[@]}" >/dev/null 2>&1 || true
IMAGE=local/busybox:test
# run PROJECT NAME ARGS...: a container of a Compose project, without a network.
run() {
  docker run -d --network none --label "com.docker.compose.project=$1" \
    --label "com.docker.compose.service=${2#*-}" --name "$2" "${@:3}" >/dev/null
}
# warm MIB: shell code that fills the container's tmpfs with that much, so the MEM column is not
# all KiB (tmpfs counts as the container's memory, and no process holds it).
warm() { echo "head -c $(($1 << 20)) /dev/zero >/cache/warm;"; }
run shop shop-api --memory 256m --tmpfs /cache -e DATABASE_URL=postgres://shop@orders/shop -e PORT=8080 \
  --health-cmd 'pidof httpd' --health-interval 2s $IMAGE sh -c "$(warm 90) exec httpd -f -p 8080 -h /etc"
run shop shop-worker --memory 512m -e QUEUE=orders -e CONCURRENCY=8 \
  --health-cmd 'echo "queue lag 1520s exceeds 300s"; exit 1' --health-interval 2s --health-retries 1 \
  $IMAGE sh -c 'while sleep 1; do echo "orders: processed batch of 20"; done'
run shop shop-web --memory 128m --tmpfs /cache --health-cmd 'pidof httpd' --health-interval 2s \
  $IMAGE sh -c "$(warm 24) exec httpd -f -p 80 -h /etc"
run shop shop-migrate $IMAGE \
  sh -c 'echo "applying 0042_orders_index"; echo "ERROR: relation \"orders_status_idx\" already exists" >&2; exit 1'
run cache redis-cache --memory 128m --tmpfs /cache $IMAGE sh -c "$(warm 60) exec sleep 86400"
run monitoring log-shipper --memory 64m $IMAGE sh -c 'while sleep 2; do echo shipped 120 lines; done'
run monitoring node-exporter --memory 64m --tmpfs /cache $IMAGE sh -c "$(warm 12) exec sleep 86400"

log "PostgreSQL: a long report, a transaction left open and an update waiting for its lock"
psql -qAt "$WATCHDECK_TEST_PG_URL" -c "set client_min_messages = warning" \
  -c "drop database if exists shop with (force)" -c "create database shop" >/dev/null
SHOP_URL=${WATCHDECK_TEST_PG_URL%/*}/shop
psql -qAt "$SHOP_URL" -c "create table orders (id int primary key, status text, total numeric)" \
  -c "insert into orders select i, 'new', i * 1.5 from generate_series(1, 5000) i" >/dev/null
PGAPPNAME=nightly-report psql -qAt "$SHOP_URL" \
  -c "select sum(total) from orders cross join pg_sleep(600)" >/dev/null 2>&1 &
PSQL_PIDS+=($!)
# The transaction stays open until this script closes fd 7 (psql then reads the end of its input).
mkfifo "$W/tx"
PGAPPNAME=shop-api psql -qAt "$SHOP_URL" <"$W/tx" >/dev/null 2>&1 &
PSQL_PIDS+=($!)
exec 7>"$W/tx"
echo "begin; update orders set status = 'paid' where id = 42;" >&7
wait_for_pg() {   # wait_for_pg CONDITION: until a session of pg_stat_activity matches it
  local deadline=$((SECONDS + TIMEOUT))
  until [ "$(psql -qAt "$WATCHDECK_TEST_PG_URL" -c "select count(*) from pg_stat_activity where $1")" -gt 0 ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "PostgreSQL never showed: $1"
    sleep 0.2
  done
}
wait_for_pg "application_name = 'shop-api' and state = 'idle in transaction'"
PGAPPNAME=shop-worker psql -qAt "$SHOP_URL" -c "update orders set status = 'shipped' where id = 42" >/dev/null 2>&1 &
PSQL_PIDS+=($!)
wait_for_pg "application_name = 'shop-worker' and wait_event_type = 'Lock'"

log "a fleet alert in Alertmanager"
am_alert() {   # the fleet alert's JSON; with an end time, its resolution
  local labels='"alertname":"NodeFilesystemAlmostFull","severity":"warning","instance":"db-2:9100"'
  labels+=',"mountpoint":"/var/lib/postgresql"'
  printf '[{"labels":{%s},"annotations":{"summary":"%s"}%s}]' "$labels" \
    "/var/lib/postgresql on db-2 has 6% space left" "${1:+,\"endsAt\":\"$1\"}"
}
curl -sf -o /dev/null -H 'Content-Type: application/json' -d "$(am_alert)" \
  "$WATCHDECK_TEST_ALERTMANAGER_URL/api/v2/alerts" || fail "Alertmanager did not take the alert"
AM_ALERT=1

# --- Config and state ---------------------------------------------------------------------------
mkdir -p "$W/home" "$W/config" "$W/state"
PG_HOSTPORT=${WATCHDECK_TEST_PG_URL#*@}; PG_HOSTPORT=${PG_HOSTPORT%%/*}
cat >"$W/ops.toml" <<TOML
refresh = "1s"
# The graphs span the history: a minute of it fills most of them within the run.
history = "1m"

[[docker]]
name = "shop-prod"
host = "$WATCHDECK_TEST_DOCKER_HOST"

[[database]]
name = "orders"
kind = "postgres"
url = "$WATCHDECK_TEST_PG_URL"
interval = "2s"

[[database]]
name = "catalog"
kind = "mysql"
url = "$WATCHDECK_TEST_MYSQL_URL"
interval = "2s"

[[database]]
name = "sessions"
kind = "redis"
url = "$WATCHDECK_TEST_REDIS_URL"
interval = "2s"

[[endpoint]]
name = "storefront"
url = "$WATCHDECK_TEST_HTTPS_URL/health.json"
group = "shop"
interval = "2s"
ca_file = "$WATCHDECK_TEST_CA_CERT"
json = { pointer = "/status", equals = "healthy" }

[[endpoint]]
name = "search"
url = "$WATCHDECK_TEST_HTTP_URL/slow"
group = "shop"
interval = "3s"
slow_after = "1s"

[[endpoint]]
name = "payments"
url = "$WATCHDECK_TEST_HTTP_URL/down"
group = "shop"
interval = "2s"

[[endpoint]]
name = "cdn origin"
url = "$WATCHDECK_TEST_HTTPS_SOON_URL/health"
group = "edge"
interval = "5s"
ca_file = "$WATCHDECK_TEST_CA_CERT"

[[endpoint]]
name = "orders db"
url = "tcp://$PG_HOSTPORT"
group = "edge"
interval = "5s"

[[alertmanager]]
name = "fleet"
url = "$WATCHDECK_TEST_ALERTMANAGER_URL"
interval = "2s"

[[prometheus]]
name = "fleet"
url = "$WATCHDECK_TEST_PROMETHEUS_URL"
interval = "5s"

# The shipped rules, with \`for\` shortened so they fire within the run.
[[rule]]
name = "EndpointDown"
expr = "endpoint_up == 0"
for = "5s"
severity = "P1"
summary = "endpoint {{ \$labels.endpoint }} is down"
runbook = "endpoint-down"

[[rule]]
name = "HighAPILatency"
expr = 'endpoint_latency_seconds{quantile="0.9"} > 2'
for = "5s"
severity = "P2"
summary = "endpoint {{ \$labels.endpoint }}: p90 latency {{ \$value }}s"
runbook = "high-latency"

[[rule]]
name = "HighErrorRate"
expr = "endpoint_error_rate_percent > 5"
for = "5s"
severity = "P1"
summary = "endpoint {{ \$labels.endpoint }}: {{ \$value }}% of polls fail"
runbook = "high-error-rate"

# One of the team's own.
[[rule]]
name = "LongRunningQuery"
expr = "db_long_queries > 0"
for = "10s"
severity = "P3"
summary = "{{ \$labels.database }}: {{ \$value }} queries running longer than slow_query"
TOML
"$BIN" config check "$W/ops.toml" >&2 || fail "the config does not check"

# --- The console in tmux ------------------------------------------------------------------------
SOCK=$W/tmux.sock
tm() { env -u TMUX tmux -u -S "$SOCK" "$@"; }
printf 'set -g status off\nset -g history-limit 0\n' >"$W/tmux.conf"
cat >"$W/run.sh" <<SH
cd "$W/home"
exec env -u NO_COLOR -u WATCHDECK_LOG -u SSH_CONNECTION HOME="$W/home" XDG_CONFIG_HOME="$W/config" \
  XDG_STATE_HOME="$W/state" TERM=xterm-256color "$BIN" --config "$W/ops.toml" --tab alerts
SH
tm -f "$W/tmux.conf" new-session -d -s wd -x "$COLS" -y "$ROWS" "sh $W/run.sh; echo '[console exited]'; sleep 600"

screen() { tm capture-pane -p -t wd; }
# wait_for TEXT: until the screen shows TEXT; fails with the screen after TIMEOUT seconds.
wait_for() {
  local deadline=$((SECONDS + TIMEOUT))
  until screen | grep -qF -- "$1"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      screen >&2 || true
      fail "\"$1\" never showed within ${TIMEOUT}s (the screen is above)"
    fi
    sleep 0.2
  done
}
wait_gone() {   # wait_gone TEXT: until the screen no longer shows TEXT
  local deadline=$((SECONDS + TIMEOUT))
  while screen | grep -qF -- "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "\"$1\" still showed after ${TIMEOUT}s"
    sleep 0.2
  done
}
# keys KEY...: tmux key names, with a typist's pause between them; the markers check the result.
keys() { local k; for k in "$@"; do tm send-keys -t wd "$k"; sleep 0.3; done; }
type_text() { tm send-keys -t wd -l "$1"; }

CONSOLE_START=$SECONDS
log "console up; waiting for the alerts to fire"
wait_for "3 Alerts"
wait_for "EndpointDown"
# Acknowledge the failing endpoint's alert with a note, as the on-call engineer would: filter the
# list down to it, `a`, the note, enter; then clear the filter.
keys /
type_text "EndpointDown"
wait_for 'filter "EndpointDown"'
keys Enter a
wait_for "Acknowledge EndpointDown"
type_text "payment provider answers 503; vendor ticket #4821 open"
keys Enter
wait_for "acknowledged by"
keys / Escape
wait_gone 'filter "EndpointDown"'

# The graphs and sparklines fill with time and SINCE counts up: capture once the console has run
# MIN_RUN seconds.
while [ "$((SECONDS - CONSOLE_START))" -lt "${MIN_RUN:-70}" ]; do sleep 1; done
for entry in "${TABS[@]}"; do
  IFS='|' read -r tab tab_keys marker selected <<<"$entry"
  # shellcheck disable=SC2086 # a list of key names
  keys $tab_keys
  wait_for "$marker"
  if [ -n "$selected" ]; then
    for _ in $(seq 40); do screen | grep -qF -- "$selected" && break; keys j; done
    wait_for "$selected"
  fi
  sleep 1   # one refresh, so the tab shows its data rather than the moment of the switch
  tm capture-pane -e -p -t wd >"$W/$tab.ansi"
  log "captured $tab"
done
tm kill-server
# The engine is shared with the test suite: a test's container would be in the pictures too.
others=$(docker ps -a --format '{{.Names}}' | grep -vxF -f <(printf '%s\n' "${CONTAINERS[@]}") || true)
[ -z "$others" ] || log "WARNING: other containers were on the engine and may be in the pictures:" \
  "${others//$'\n'/ }; run again when the engine is quiet"

# --- The pictures -------------------------------------------------------------------------------
# tui-shot renders with aha, which paints the bright colours (8-15) through a CSS filter that also
# lightens their cell's background: the header's dark band came out as grey boxes. The same
# colours as RGB avoid the filter.
BRIGHT=(808080 ff5555 55ff55 ffff55 5c5cff ff55ff 55ffff ffffff)
rgb() { printf '%d;%d;%d' "0x${1:0:2}" "0x${1:2:2}" "0x${1:4:2}"; }
SED=()
for i in "${!BRIGHT[@]}"; do
  c=$(rgb "${BRIGHT[$i]}")
  SED+=(-e "s/\x1b\[38;5;$((i + 8))m/\x1b[38;2;${c}m/g" -e "s/\x1b\[48;5;$((i + 8))m/\x1b[48;2;${c}m/g"
        -e "s/\x1b\[$((i + 90))m/\x1b[38;2;${c}m/g" -e "s/\x1b\[$((i + 100))m/\x1b[48;2;${c}m/g")
done
mkdir -p "$OUT"
for entry in "${TABS[@]}"; do
  IFS='|' read -r tab _ marker _ <<<"$entry"
  sed "${SED[@]}" "$W/$tab.ansi" >"$W/$tab.rgb.ansi"
  # The capture is replayed in tui-shot's terminal without its last newline, which would scroll it.
  "$TUI_SHOT" --size "${COLS}x${ROWS}" --marker "$marker" "$OUT/$tab.png" \
    "sleep 0.3; printf %s \"\$(cat $W/$tab.rgb.ansi)\"; exec sleep 60" >/dev/null \
    || fail "tui-shot: \"$marker\" never showed in the replay of $tab (see $OUT/$tab.png)"
  log "$(printf '%-11s %s (%s KiB)' "$tab" "$OUT/$tab.png" "$(( $(stat -c %s "$OUT/$tab.png") / 1024 ))")"
done
