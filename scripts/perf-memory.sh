#!/usr/bin/env bash
# Where the console's memory at rest comes from: watchdeck (default config, Resources tab), htop -d 10
# and btop side by side at 200x50, and after SETTLE seconds (default 40) each one's RSS and PSS
# from /proc/PID/smaps_rollup, then watchdeck's mappings one by one. Then the pageout test: the
# kernel is asked to page out watchdeck's own file mappings (process_madvise MADV_PAGEOUT through a
# pidfd, root), and they are read again AFTER seconds later (default 10): what comes back is what
# runs at rest; the rest was start-up's. Needs tmux, python3, htop, btop (installed if missing).
# It also says how many of the functions in link/hot-code.txt (laid out first, see build.rs) the
# binary holds: fewer than nearly all means the list is stale (scripts/order-file.sh).
#   scripts/perf-memory.sh                 # the release build (built if missing)
#   BIN=/path/to/watchdeck scripts/perf-memory.sh
#   BEFORE=/path/to/another/watchdeck scripts/perf-memory.sh   # that build beside it, same run
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/target/release/watchdeck}
SETTLE=${SETTLE:-40} AFTER=${AFTER:-10} BEFORE=${BEFORE:-}
[ -x "$BIN" ] || cargo build --release --manifest-path "$ROOT/Cargo.toml" >&2
for tool in htop btop; do
  command -v "$tool" >/dev/null || apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
done
WORK=$(mktemp -d)
SOCKET=perf-memory-$$
trap 'tmux -L "$SOCKET" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/state" "$WORK/before-state" "$WORK/btop/btop"
printf 'update_ms = 1000\n' >"$WORK/btop/btop/btop.conf"
start() {
  tmux -L "$SOCKET" new-session -d -s "$1" -x 200 -y 50 "$2"
}
start watchdeck "env XDG_STATE_HOME=$WORK/state $BIN"
[ -z "$BEFORE" ] || start before "env XDG_STATE_HOME=$WORK/before-state $BEFORE"
start htop "htop -d 10"
start btop "env XDG_CONFIG_HOME=$WORK/btop btop"
sleep "$SETTLE"
pid() { tmux -L "$SOCKET" display -p -t "$1" '#{pane_pid}'; }
WD=$(pid watchdeck)
for name in watchdeck ${BEFORE:+before} htop btop; do
  awk -v name="$name" '/^(Rss|Pss|Pss_Anon|Pss_File):/ { v[$1] = $2 }
    END { printf "SUMMARY program=%s rss_kib=%d pss_kib=%d pss_anon_kib=%d pss_file_kib=%d\n",
          name, v["Rss:"], v["Pss:"], v["Pss_Anon:"], v["Pss_File:"] }' "/proc/$(pid "$name")/smaps_rollup"
done
listed=$(grep -v '^#' "$ROOT/link/hot-code.txt" | sort -u)
held=$(comm -12 <(echo "$listed") <(nm "$BIN" | awk '{ print $NF }' | sort -u) | wc -l)
echo "# $held of the $(echo "$listed" | wc -l) functions in link/hot-code.txt are in $BIN"
# watchdeck's mappings with 100 KiB or more resident: KiB, permissions, what is mapped.
mappings() {
  awk '/^[0-9a-f]+-[0-9a-f]+ / { what = ($6 == "" ? "(anonymous)" : $6); perms = $2 }
       /^Rss:/ { if ($2 >= 100) printf "  %6d KiB  %s  %s\n", $2, perms, what }' "/proc/$WD/smaps" |
    sort -rn
}
echo "# watchdeck's mappings after ${SETTLE}s"
mappings
python3 - "$WD" "$(readlink -f "$BIN")" <<'PY'
import ctypes, sys
pid, path = int(sys.argv[1]), sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
SYS_PIDFD_OPEN, SYS_PROCESS_MADVISE, MADV_PAGEOUT = 434, 440, 21
pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
if pidfd < 0:
    sys.exit(f"pidfd_open: errno {ctypes.get_errno()}")
class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
for line in open(f"/proc/{pid}/maps"):
    fields = line.split()
    if len(fields) >= 6 and fields[5] == path:
        start, end = (int(x, 16) for x in fields[0].split("-"))
        iov = IoVec(start, end - start)
        if libc.syscall(SYS_PROCESS_MADVISE, pidfd, ctypes.byref(iov), 1, MADV_PAGEOUT, 0) < 0:
            sys.exit(f"process_madvise: errno {ctypes.get_errno()}")
PY
sleep "$AFTER"
echo "# watchdeck's mappings ${AFTER}s after its own file mappings were paged out"
mappings
