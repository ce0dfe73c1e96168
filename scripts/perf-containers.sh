#!/usr/bin/env bash
# Cost of the Containers tab with 50 running containers on the test engine, against the same
# console with no engine (the tab's own cost is the difference). Needs the test services:
#   eval "$(scripts/services-up.sh)"; scripts/perf-containers.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TUI_COST=${TUI_COST:-$ROOT/../shared/tools/tui-cost}
HOST=${WATCHDECK_TEST_DOCKER_HOST:?start the test services first}
WINDOW=${WINDOW:-30}
RUNS=${RUNS:-3}
COUNT=${COUNT:-50}
cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
STATE=$(mktemp -d)
names=()
cleanup() {
  [ ${#names[@]} -eq 0 ] || DOCKER_HOST=$HOST docker rm -f "${names[@]}" >/dev/null
  rm -rf "$STATE"
}
trap cleanup EXIT
# Each container idles without spawning processes, so the host's process table stays the same
# in both runs and only the Containers tab differs.
for i in $(seq 1 "$COUNT"); do
  names+=("wdperf-$$-$i")
  DOCKER_HOST=$HOST docker run -d --name "wdperf-$$-$i" --network none local/busybox:test \
    sh -c "trap 'exit 0' TERM; sleep 3600 & wait" >/dev/null
done
echo "# $COUNT running containers on $HOST" >&2
"$TUI_COST" --window "$WINDOW" --runs "$RUNS" -q -e XDG_STATE_HOME="$STATE" -e DOCKER_HOST="$HOST" \
  "$ROOT/target/release/watchdeck --tab containers" "$WINDOW" 'wdperf' 200x50 | grep SUMMARY
"$TUI_COST" --window "$WINDOW" --runs "$RUNS" -q -e XDG_STATE_HOME="$STATE" -e DOCKER_HOST=unix:///nonexistent.sock \
  "$ROOT/target/release/watchdeck --tab containers" "$WINDOW" 'Containers' 200x50 | grep SUMMARY
# oxker for reference, when installed (cargo install oxker --root DIR; OXKER=DIR/bin/oxker).
OXKER=${OXKER:-$(command -v oxker || true)}
if [ -n "$OXKER" ]; then
  "$TUI_COST" --window "$WINDOW" --runs "$RUNS" -q -e DOCKER_HOST="$HOST" \
    "$OXKER" "$WINDOW" 'wdperf' 200x50 | grep SUMMARY
fi
