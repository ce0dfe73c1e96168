#!/usr/bin/env bash
# Makes link/hot-code.txt, the functions build.rs has lld lay out first in the release binary,
# in three tiers: those run from start to REST seconds at rest (the default config with a one
# minute history, Resources tab, 200x50) with no container engine; then those run at rest while polling an engine with two
# containers (DOCKER_HOST); then those run only when each other tab is shown (a wall display in
# --watch shows them all). Each tier only adds to the ones before, so a console without an engine
# touches only the first. Found with valgrind's callgrind, which counts every function that runs:
# a sampling profiler misses the small ones, and each one missed keeps a 64 KiB block resident.
# Run it after a rustc or dependency update, or a large change, with the test services up:
#   eval "$(scripts/services-up.sh)"; scripts/order-file.sh; scripts/perf-memory.sh
# Without DOCKER_HOST the engine's tier is left out. Installs valgrind if missing (root).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REST=${REST:-150} STEP=${STEP:-8}
OUT=$ROOT/link/hot-code.txt
mkdir -p "$ROOT/link"
command -v valgrind >/dev/null || apt-get install -y -qq --no-install-recommends valgrind >/dev/null
# The names are the same whatever the layout; the one being replaced must not decide the new one.
WATCHDECK_NO_CODE_LAYOUT=1 cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
BIN=$(readlink -f "$ROOT/target/release/watchdeck")
WORK=$(mktemp -d)
SOCKET=order-file-$$
CONTAINERS=(order-file-web order-file-worker)
cleanup() {
  tmux -L "$SOCKET" kill-server 2>/dev/null || true
  if [ -n "${DOCKER_HOST:-}" ]; then docker rm -f "${CONTAINERS[@]}" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -n "${DOCKER_HOST:-}" ]; then
  docker run -d --network none --name order-file-web --health-cmd 'pidof httpd' \
    --health-interval 2s local/busybox:test httpd -f -p 80 -h /etc >/dev/null
  docker run -d --network none --name order-file-worker local/busybox:test \
    sh -c 'while sleep 1; do echo processed a batch; done' >/dev/null
fi

# The default config read from a file, for a history of a minute rather than ten: it seals its
# chunks every 16 samples and drops the oldest within REST; the code is the same, and a function
# that runs only every few minutes would be left out of the list and keep a block of its own
# resident. Every section is in the file, so reading it runs what reading the embedded one does.
sed 's/^history = "10m"$/history = "1m"/' "$ROOT/assets/config.default.toml" >"$WORK/profile.toml"
grep -q '^history = "1m"$' "$WORK/profile.toml" || { echo "no history = \"10m\" in the default config" >&2; exit 1; }

# Runs the console under callgrind, watching the engine at $2, until it quits; $3 drives it once
# its first frame is up.
profile() {
  local name=$1 engine=$2 drive=$3
  mkdir -p "$WORK/$name/config" "$WORK/$name/state"
  tmux -L "$SOCKET" new-session -d -s "$name" -x 200 -y 50 \
    "env XDG_CONFIG_HOME=$WORK/$name/config XDG_STATE_HOME=$WORK/$name/state DOCKER_HOST=$engine \
     valgrind --tool=callgrind --demangle=no --callgrind-out-file=$WORK/$name.out $BIN --config $WORK/profile.toml \
     2>$WORK/$name.log"
  local waited=0
  until tmux -L "$SOCKET" capture-pane -p -t "$name" | grep -q ' 6 Runbook'; do
    ((waited++ < 600)) || { echo "no first frame under valgrind after 60 s" >&2; exit 1; }
    sleep 0.1
  done
  "$drive" "$name"
  tmux -L "$SOCKET" send-keys -t "$name" q
  while tmux -L "$SOCKET" has-session -t "$name" 2>/dev/null; do sleep 0.2; done
  [ -s "$WORK/$name.out" ] || { cat "$WORK/$name.log" >&2; exit 1; }
}
rest() { sleep "$REST"; }
each_tab() {
  for key in 2 3 4 5 6 1; do
    tmux -L "$SOCKET" send-keys -t "$1" "$key"
    sleep "$STEP"
  done
}
NO_ENGINE=unix://$WORK/no-engine.sock
TIERS=("at rest" "$WORK/alone.out")
profile alone "$NO_ENGINE" rest
if [ -n "${DOCKER_HOST:-}" ]; then
  profile engine "$DOCKER_HOST" rest
  TIERS+=("at rest with a container engine" "$WORK/engine.out")
else
  echo "DOCKER_HOST is not set: the list leaves out what polling an engine runs" >&2
fi
profile tabs "${DOCKER_HOST:-$NO_ENGINE}" each_tab
TIERS+=("on the other tabs" "$WORK/tabs.out")

python3 - "$BIN" "$(rustc -V)" "${TIERS[@]}" >"$OUT" <<'PY'
import re, sys

binary, rustc, tiers = sys.argv[1], sys.argv[2], sys.argv[3:]
DEFINED = re.compile(r"\((\d+)\)(?: (.*))?")

def functions_run(path):
    """The binary's functions that spent instructions, from a callgrind output file."""
    names, objects, ran = {}, {}, set()
    current_object = current_function = None
    def name_of(table, spec):
        match = DEFINED.match(spec)
        if match is None:
            return spec
        if match.group(2) is not None:
            table[match.group(1)] = match.group(2)
        return table.get(match.group(1))
    after_calls = False
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("ob="):
            current_object = name_of(objects, line[3:])
        elif line.startswith("cob="):
            name_of(objects, line[4:])
        elif line.startswith("fn="):
            current_function = name_of(names, line[3:]) or ""
        elif line.startswith("cfn="):
            name_of(names, line[4:])
        elif line.startswith("calls="):
            after_calls = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            # The line after calls= is the call's inclusive cost, not the caller's own.
            # Names with a space are valgrind's own, such as "(below main)".
            if not after_calls and current_object == binary and " " not in current_function:
                ran.add(re.sub(r"'\d+$", "", current_function))
            after_calls = False
    return ran

print("# Functions lld lays out first in the release binary (build.rs), tier by tier: each tier")
print("# lists what runs there and in no tier before. Made by scripts/order-file.sh.")
print(f"# made with {rustc}")
listed = set()
for title, path in zip(tiers[::2], tiers[1::2]):
    tier = functions_run(path) - listed
    listed |= tier
    print(f"# {title}")
    print("\n".join(sorted(tier)))
PY
echo "$(grep -vc '^#' "$OUT") functions in $OUT" >&2
