#!/usr/bin/env bash
# THE command that runs the whole watchdeck test suite on a fresh machine (needs root for apt-get):
# starts the test services, then fmt, clippy and every test target (benches run once in test mode), failing fast. Services are stopped
# on exit whatever happens. Extra arguments go to `cargo test`, e.g. scripts/test.sh -- --nocapture
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ -n "${CI:-}" ]; then export CI; fi

heading() { printf '\n==> %s\n' "$*" >&2; }

SERVICES_DIR=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$SERVICES_DIR" ]; then
    heading "stopping test services"
    if ! "$ROOT/scripts/services-down.sh" "$SERVICES_DIR" >&2; then
      echo "test.sh: services-down.sh failed" >&2
      [ "$rc" -ne 0 ] || rc=1
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step NAME CMD...: run one step; stop at the first failure with its exit status.
step() {
  local name=$1; shift
  heading "$name: $*"
  local rc=0
  "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "test.sh: FAILED: $name (exit $rc)" >&2
    exit "$rc"
  fi
}

heading "starting test services: scripts/services-up.sh"
rc=0
services_env=$("$ROOT/scripts/services-up.sh") || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "test.sh: FAILED: services-up.sh (exit $rc)" >&2
  exit "$rc"
fi
eval "$services_env"
SERVICES_DIR=${WATCHDECK_SERVICES_DIR:?services-up.sh did not export WATCHDECK_SERVICES_DIR}

step "format" cargo fmt --check
step "clippy" cargo clippy --all-targets -- -D warnings
step "tests" cargo test --all-targets "$@"

heading "all steps passed"
