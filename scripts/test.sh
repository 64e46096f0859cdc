#!/usr/bin/env bash
# scripts/test.sh - the one test command (`npm test`).
#
# Uses the daemon at $BERTH_TEST_DOCKER_HOST when it answers; otherwise the throwaway daemon of
# scripts/daemon.sh (started here if it is not up, and then stopped again at exit). Then runs, in
# order, stopping at the first failure: tsc --noEmit, vitest (all projects), the Bun smoke script
# and the Deno smoke script. Extra arguments go to vitest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=scripts/daemon.sh
. "$ROOT/scripts/daemon.sh"

STARTED_DAEMON=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$STARTED_DAEMON" = 1 ]; then
    echo "[test.sh] stopping the daemon this run started" >&2
    bash "$ROOT/scripts/daemon.sh" stop || rc=$((rc == 0 ? 1 : rc))
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() {
  local name="$1" t0 rc=0
  shift
  echo "[test.sh] ==> $name: $*" >&2
  t0=$(date +%s)
  "$@" || rc=$?
  echo "[test.sh] <== $name: exit $rc after $(($(date +%s) - t0))s" >&2
  return "$rc"
}

# A fresh clone: install the locked dependencies first, so `npm test` is the whole setup.
if [ ! -d node_modules ]; then
  step npm-ci npm ci --no-audit --no-fund
fi

t_daemon=$(date +%s)
ensure_daemon || { echo "[test.sh] ERROR: no Docker daemon for the tests" >&2; exit 1; }
STARTED_DAEMON="$BERTH_DAEMON_STARTED"
echo "[test.sh] daemon ready after $(($(date +%s) - t_daemon))s: BERTH_TEST_DOCKER_HOST=$BERTH_TEST_DOCKER_HOST (started here: $STARTED_DAEMON)" >&2

if [ -f tsconfig.json ]; then
  step typecheck npx tsc -p tsconfig.json --noEmit
fi

step vitest npx vitest run "$@"

# The suites that must pass unchanged on every runtime (vitest covers Node).
for suite in test/runtime/*.ts; do
  case "$suite" in */harness.ts) continue ;; esac
  name=$(basename "$suite" .ts)
  step "bun-$name" npx bun run "$suite"
  step "deno-$name" npx deno run -A "$suite"
done

echo "[test.sh] all steps passed" >&2
