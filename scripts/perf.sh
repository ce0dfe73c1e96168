#!/usr/bin/env bash
# Whole-process cost of the Resources tab at 200x50 with a 1 s refresh, beside htop -d 10 in the
# same run: CPU % of one core, RSS, bytes written to the terminal per second, time to first frame.
# Needs ../shared/tools/tui-cost beside the project root; installs htop if missing (root).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TUI_COST=${TUI_COST:-$ROOT/../shared/tools/tui-cost}
WINDOW=${WINDOW:-30}
RUNS=${RUNS:-3}
command -v htop >/dev/null || apt-get install -y -qq --no-install-recommends htop >/dev/null
cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
STATE=$(mktemp -d)
trap 'rm -rf "$STATE"' EXIT
# The first full frame is the one with the process table: everything above it is drawn by then.
"$TUI_COST" --window "$WINDOW" --runs "$RUNS" -q -e XDG_STATE_HOME="$STATE" \
  "$ROOT/target/release/watchdeck" "$WINDOW" 'Processes' 200x50 | grep SUMMARY
"$TUI_COST" --window "$WINDOW" --runs "$RUNS" -q 'htop -d 10' "$WINDOW" 'Quit' 200x50 | grep SUMMARY
