#!/usr/bin/env bash
# Cost of the Databases tab, and what its polls cost the servers.
#
# 1. The console with COUNT databases (default 20: 8 PostgreSQL, 6 MariaDB, 6 Redis, the shared
#    test servers under different names) at the default 5 s interval, started with
#    `--tab databases`, against the same console with no database: tui-cost's CPU, RSS and bytes
#    written per second, three 30 s windows at 200x50.
# 2. One poll as each server sees it, on private servers this script starts (the shared ones are
#    left alone), each with a pool's worth of other sessions (IDLE idle, 3 in a transaction, 3
#    running): PostgreSQL with pg_stat_statements (statements, and their execution and planning
#    time, per poll), MariaDB with its slow log at long_query_time = 0 (statements and
#    Query_time per poll), Redis with INFO commandstats (calls and time per poll). The console
#    runs SERVER_WINDOW seconds (default 125, after a 5 s settle: 27 polls, three size reads)
#    against the three.
#
# Needs the test services, root (PostgreSQL runs as postgres) and ../shared/tools/tui-cost:
#   eval "$(cat /tmp/services.env)"; scripts/perf-databases.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TUI_COST=${TUI_COST:-$ROOT/../shared/tools/tui-cost}
PG_URL=${WATCHDECK_TEST_PG_URL:?start the test services first: eval "\$(cat /tmp/services.env)"}
MYSQL_URL=${WATCHDECK_TEST_MYSQL_URL:?start the test services first}
REDIS_URL=${WATCHDECK_TEST_REDIS_URL:?start the test services first}
WINDOW=${WINDOW:-30}
RUNS=${RUNS:-3}
COUNT=${COUNT:-20}
SERVER_WINDOW=${SERVER_WINDOW:-125}
IDLE=${IDLE:-40}
BIN=$ROOT/target/release/watchdeck
cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
T=$(mktemp -d)
chmod 755 "$T"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
cleanup() {
  # The idle sessions read the FIFO: once no one holds it for writing they see EOF and leave.
  [ -p "$T/hold" ] && { exec 3<>"$T/hold"; exec 3>&-; }
  [ -f "$T/pg/data/postmaster.pid" ] &&
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg/data" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$T/my/pid" ] && kill "$(cat "$T/my/pid")" 2>/dev/null || true
  [ -f "$T/redis/pid" ] && kill "$(cat "$T/redis/pid")" 2>/dev/null || true
  [ ${#sessions[@]} -eq 0 ] || kill "${sessions[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$T"
}
sessions=()
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
cost() { # config, marker, what
  echo "# $3" >&2
  "$TUI_COST" --window "$WINDOW" --runs "$RUNS" -q -e XDG_STATE_HOME="$T/state" \
    -e DOCKER_HOST=unix:///nonexistent.sock "$BIN --config $1 --tab databases" "$WINDOW" "$2" 200x50 |
    grep -E "^(SUMMARY|cpu_pct_of_core|loadavg_1min)"
}

# --- 1. The console's cost -----------------------------------------------------------------------
mkdir -p "$T/state"
# No Docker engine: the figures are the databases' and the shell's alone.
printf '[containers]\nlocal = false\n' >"$T/none.toml"
cp "$T/none.toml" "$T/databases.toml"
for i in $(seq 1 "$COUNT"); do
  case $((i % 10)) in
    1|2|3|4) printf '[[database]]\nname = "pg-%d"\nkind = "postgres"\nurl = "%s"\n' "$i" "$PG_URL" ;;
    5|6|7) printf '[[database]]\nname = "maria-%d"\nkind = "mysql"\nurl = "%s"\n' "$i" "$MYSQL_URL" ;;
    *) printf '[[database]]\nname = "redis-%d"\nkind = "redis"\nurl = "%s"\n' "$i" "$REDIS_URL" ;;
  esac
done >>"$T/databases.toml"
# The first database is a PostgreSQL one, selected: its session counts mark the first full frame.
cost "$T/databases.toml" 'idle in transaction' "$COUNT databases every 5 s (shared test servers)"
cost "$T/none.toml" 'No database is being watched' 'the same console with no database'

# --- 2. What a poll costs each server ------------------------------------------------------------
echo "# private servers: PostgreSQL (pg_stat_statements), MariaDB (slow log), Redis" >&2
mkfifo "$T/hold"
mkdir -p "$T/pg" && chown postgres "$T/pg"
PG_PORT=$(free_port)
runuser -u postgres -- "$PGBIN/initdb" -D "$T/pg/data" -U postgres -A trust -E UTF8 --no-sync \
  >"$T/pg/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$T/pg/data" -l "$T/pg/log" -w -o "-p $PG_PORT -k $T/pg \
  -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 \
  -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on" \
  start >/dev/null
pg() { psql -h "$T/pg" -p "$PG_PORT" -U postgres -X -q "$@"; }
pg -c "create extension pg_stat_statements; create role watchdeck login; grant pg_monitor to watchdeck"
# Some tables for the size query to rank (pgbench's four, 100,000 accounts).
pgbench -h "$T/pg" -p "$PG_PORT" -U postgres -i -s 1 -q postgres >/dev/null 2>&1
printf 'begin;\nselect 1;\n' >"$T/begin.sql"
MY_PORT=$(free_port)
mkdir -p "$T/my"
mariadb-install-db --no-defaults --datadir="$T/my/data" --user=root \
  --auth-root-authentication-method=normal --skip-test-db >"$T/my/install.log" 2>&1
mariadbd --no-defaults --datadir="$T/my/data" --socket="$T/my/sock" --pid-file="$T/my/pid" \
  --port="$MY_PORT" --bind-address=127.0.0.1 --user=root --skip-name-resolve \
  --innodb-buffer-pool-size=32M --slow-query-log=1 --long-query-time=0 \
  --slow-query-log-file="$T/my/slow.log" --log-error="$T/my/err.log" </dev/null >/dev/null 2>&1 &
R_PORT=$(free_port)
mkdir -p "$T/redis"
redis-server --port "$R_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T/redis" \
  --daemonize yes --pidfile "$T/redis/pid" --logfile "$T/redis/log" >/dev/null
deadline=$((SECONDS + 30))
until mariadb -S "$T/my/sock" -uroot -e 'select 1' >/dev/null 2>&1 &&
  redis-cli -p "$R_PORT" ping >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { echo "private MariaDB or Redis not ready" >&2; exit 1; }
  sleep 0.1
done
# The console's user, and another for the other sessions (the slow log is read by user).
mariadb -S "$T/my/sock" -uroot -e "create user watchdeck@'127.0.0.1'; \
  grant all on *.* to watchdeck@'127.0.0.1'; create user app@'127.0.0.1'"
redis-cli -p "$R_PORT" eval "for i = 1, 10000 do redis.call('set', 'key:' .. i, i) end" 0 >/dev/null
# Other clients: idle ones read the FIFO (until the script closes it), three hold a transaction
# open, three run a long statement.
for i in $(seq 1 "$IDLE"); do
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q <"$T/hold" >/dev/null 2>&1 &
  sessions+=($!)
  mariadb -h 127.0.0.1 -P "$MY_PORT" -u app <"$T/hold" >/dev/null 2>&1 &
  sessions+=($!)
done
for i in 1 2 3; do
  cat "$T/begin.sql" "$T/hold" | psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q >/dev/null 2>&1 &
  sessions+=($!)
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -c 'select pg_sleep(3600)' >/dev/null 2>&1 &
  sessions+=($!)
  mariadb -h 127.0.0.1 -P "$MY_PORT" -u app -e 'select sleep(3600)' >/dev/null 2>&1 &
  sessions+=($!)
done
exec 3<>"$T/hold"
deadline=$((SECONDS + 30))
until [ "$(pg -Atc "select count(*) from pg_stat_activity where backend_type = 'client backend'")" -ge $((IDLE + 7)) ]; do
  [ $SECONDS -lt $deadline ] || { echo "the PostgreSQL sessions did not connect" >&2; exit 1; }
  sleep 0.1
done
pg -c 'select pg_stat_statements_reset()' >/dev/null
redis-cli -p "$R_PORT" config resetstat >/dev/null
cat >"$T/private.toml" <<TOML
[containers]
local = false
[[database]]
name = "pg"
kind = "postgres"
url = "postgres://watchdeck@127.0.0.1:$PG_PORT/postgres"
[[database]]
name = "maria"
kind = "mysql"
url = "mysql://watchdeck@127.0.0.1:$MY_PORT"
[[database]]
name = "redis"
kind = "redis"
url = "redis://127.0.0.1:$R_PORT"
TOML
"$TUI_COST" --window "$SERVER_WINDOW" --runs 1 --startup-runs 0 -q -e XDG_STATE_HOME="$T/state" \
  -e DOCKER_HOST=unix:///nonexistent.sock "$BIN --config $T/private.toml --tab databases" \
  "$SERVER_WINDOW" 'idle in transaction' 200x50 >/dev/null

# PostgreSQL: a poll is one execution of the server statement (`select version(), …`).
pg -At -F ' ' <<'SQL'
with mine as (
  select query, calls, total_exec_time + total_plan_time as ms,
         query like '%pg_database_size%' or query like '%pg_total_relation_size%' as sizes
  from pg_stat_statements where userid = 'watchdeck'::regrole),
polls as (select calls from mine where query like 'select version()%')
select format('PG polls=%s statements_per_poll=%s server_ms_per_poll=%s (exec+plan) sizes_reads=%s sizes_ms_each=%s sessions_listed=%s',
  (select calls from polls),
  round((select sum(calls) from mine where not sizes) / (select calls from polls), 2),
  round(((select sum(ms) from mine where not sizes) / (select calls from polls))::numeric, 3),
  (select max(calls) from mine where sizes),
  round(((select sum(ms) from mine where sizes) / nullif((select max(calls) from mine where sizes), 0))::numeric, 3),
  (select count(*) from pg_stat_activity where backend_type = 'client backend'))
union all
select format('PG   %s calls %s ms: %s', calls, round(ms::numeric, 3), left(regexp_replace(query, '\s+', ' ', 'g'), 60))
from mine;
SQL
# MariaDB: the slow log at 0 s holds every statement of the console's user with its Query_time;
# a poll is one `SELECT VERSION(), …`.
awk '
  /^# User@Host: / { mine = ($3 ~ /^watchdeck/) }
  /^# Query_time: / { time = $3 }
  /^(#|SET timestamp|use )/ { next }
  mine && time != "" {
    statement = substr($0, 1, 60); time_of[statement] += time; count[statement]++
    total += time; statements++; if ($0 ~ /^SELECT VERSION\(\)/) polls++; time = ""
  }
  END {
    if (polls == 0) { print "MARIADB no poll logged"; exit 1 }
    printf "MARIADB polls=%d statements_per_poll=%.2f server_ms_per_poll=%.3f (Query_time, connection set-up included)\n",
      polls, statements / polls, total * 1000 / polls
    for (s in count) printf "MARIADB   %d calls %.3f ms: %s\n", count[s], time_of[s] * 1000, s
  }' "$T/my/slow.log"
# Redis: a poll is one INFO; CONFIG GET and CLIENT SETNAME are sent once per connection.
redis-cli -p "$R_PORT" info commandstats | tr -d '\r' | awk -F'[:=,]' '
  /^cmdstat_/ { sub("cmdstat_", "", $1); calls[$1] = $3; usec[$1] = $5 }
  END {
    printf "REDIS polls=%d server_ms_per_poll=%.3f (INFO usec %d each)", calls["info"],
      usec["info"] / 1000 / calls["info"], usec["info"] / calls["info"]
    for (c in calls) if (c != "info") printf " %s=%d", c, calls[c]
    printf "\n"
  }'
echo "LOAD $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
