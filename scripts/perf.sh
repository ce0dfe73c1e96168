#!/usr/bin/env bash
# Whole-process cost of the Resources tab at 200x50 with a 1 s refresh, beside htop -d 10 and
# btop (update_ms 1000): CPU % of one core, RSS, bytes written to the terminal per second, time to
# first frame. The three take turns, one window each per round, so load from elsewhere on the
# machine falls on all of them alike; each SUMMARY line gives the median and the range over ROUNDS
# windows, with the load average and the number of processes on the machine (what a monitor
# reads each second), to tell a disturbed run.
# Needs ../shared/tools/tui-cost beside the project root; installs htop and btop if missing (root).
# BEFORE=path/to/another/watchdeck adds that build to the rounds, to compare two builds: the two
# run at the same time in each round (each in its own tmux server), so what else the machine does
# falls on both alike; a difference smaller than a window's spread is noise. WINDOW=120 or more
# tells tenths of a percent apart.
# RULES_OFF=1 adds watchdeck with every shipped rule switched off, to tell what the rule engine
# costs at rest.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TUI_COST=${TUI_COST:-$ROOT/../shared/tools/tui-cost}
WINDOW=${WINDOW:-30}
ROUNDS=${ROUNDS:-3}
BEFORE=${BEFORE:-}
RULES_OFF=${RULES_OFF:-}
for tool in htop btop; do
  command -v "$tool" >/dev/null || apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
done
cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/state" "$WORK/before-state" "$WORK/btop/btop"
# btop reads its interval from its config file only; a fresh one holds its defaults otherwise.
printf 'update_ms = 1000\n' >"$WORK/btop/btop/btop.conf"
# The embedded default config with every shipped rule switched off.
{
  cat "$ROOT/assets/config.default.toml"
  printf '\n[alerts]\ndisabled = [%s]\n' \
    "$(sed -n 's/^name = \("[^"]*"\).*/\1/p' "$ROOT/assets/rules.default.toml" | paste -sd, -)"
} >"$WORK/rules-off.toml"

# name, command, first-frame marker (drawn last), extra environment
run() {
  local name=$1 command=$2 marker=$3 round=$4
  shift 4
  "$TUI_COST" --window "$WINDOW" --runs 1 --startup-runs 2 -q --json "$WORK/$name.$round.json" \
    "$@" "$command" "$WINDOW" "$marker" 200x50 >/dev/null
}
for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round/$ROUNDS" >&2
  # The first full frame of watchdeck is the one with the process table.
  run watchdeck "$ROOT/target/release/watchdeck" 'Processes' "$round" -e XDG_STATE_HOME="$WORK/state" &
  pids=($!)
  if [ -n "$BEFORE" ]; then
    run before "$BEFORE" 'Processes' "$round" -e XDG_STATE_HOME="$WORK/before-state" &
    pids+=($!)
  fi
  for pid in "${pids[@]}"; do wait "$pid"; done
  [ -z "$RULES_OFF" ] || run rules-off "$ROOT/target/release/watchdeck --config $WORK/rules-off.toml" \
    'Processes' "$round" -e XDG_STATE_HOME="$WORK/state"
  run htop 'htop -d 10' 'Quit' "$round"
  run btop 'btop' 'signals' "$round" -e XDG_CONFIG_HOME="$WORK/btop"
done

python3 - "$WORK" <<'EOF'
import glob, json, os, statistics, sys
work = sys.argv[1]
for name in ("watchdeck", "before", "rules-off", "htop", "btop"):
    docs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(work, name + ".*.json")))]
    if not docs:
        continue
    def figure(key, digits):
        values = [v for d in docs for v in d[key]]
        return "%s=%.*f %s_range=%.*f..%.*f" % (key, digits, statistics.median(values), key,
                                                 digits, min(values), digits, max(values))
    print("SUMMARY program=%s windows=%d %s %s %s %s %s %s" % (
        name, len(docs), figure("cpu_pct_of_core", 2), figure("rss_kib", 0),
        figure("out_bytes_per_s", 0), figure("startup_ms", 1), figure("loadavg_1min", 2),
        figure("system_procs", 0)))
EOF
