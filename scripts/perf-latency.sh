#!/usr/bin/env bash
# Key-to-output latency (../shared/tools/tui-latency, p50/p99 from a key to the first byte written):
#  1. moving in the container list with COUNT (50) running containers on the test engine;
#  2. switching tabs while the only engine accepts connections and never answers.
# Needs the test services: eval "$(scripts/services-up.sh)"; scripts/perf-latency.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TUI_LATENCY=${TUI_LATENCY:-$ROOT/../shared/tools/tui-latency}
HOST=${WATCHDECK_TEST_DOCKER_HOST:?start the test services first}
COUNT=${COUNT:-50}
PRESSES=${PRESSES:-200}
cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
STATE=$(mktemp -d)
names=()
hang_pid=""
cleanup() {
  [ ${#names[@]} -eq 0 ] || DOCKER_HOST=$HOST docker rm -f "${names[@]}" >/dev/null
  [ -z "$hang_pid" ] || kill "$hang_pid" 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT
for i in $(seq 1 "$COUNT"); do
  names+=("wdlat-$$-$i")
  DOCKER_HOST=$HOST docker run -d --name "wdlat-$$-$i" --network none local/busybox:test \
    sh -c "trap 'exit 0' TERM; sleep 3600 & wait" >/dev/null
done
echo "# moving in the list of $COUNT running containers" >&2
"$TUI_LATENCY" -q -n "$PRESSES" --keys j,j,k,k --marker wdlat -e XDG_STATE_HOME="$STATE" \
  -e DOCKER_HOST="$HOST" "$ROOT/target/release/watchdeck --tab containers" | grep SUMMARY

# A unix socket that accepts every connection and never answers.
HANG="$STATE/hang.sock"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
' "$HANG" &
hang_pid=$!
while [ ! -S "$HANG" ]; do sleep 0.05; done
echo "# switching tabs while the engine never answers" >&2
"$TUI_LATENCY" -q -n "$PRESSES" --keys 2,1 --expect 'Containers','Processes' --marker Processes \
  -e XDG_STATE_HOME="$STATE" -e DOCKER_HOST="unix://$HANG" "$ROOT/target/release/watchdeck" | grep SUMMARY
