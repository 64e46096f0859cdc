#!/usr/bin/env bash
# scripts/test.sh - the one test command (`npm test`).
#
# Uses the daemon at $BERTH_TEST_DOCKER_HOST when it answers; otherwise the throwaway daemon of
# scripts/daemon.sh (started here if it is not up, and then stopped again at exit). Then runs, in
# order, stopping at the first failure: tsc --noEmit, vitest (all projects), the checks after it
# (README examples, the packed package, the descriptor leak check scripts/check-leaks.ts), and
# every suite of test/runtime/ on Bun and on Deno. Extra
# arguments go to vitest. The TLS suites need a second daemon with a --tlsverify listener
# (`scripts/daemon.sh start-tls`): it is started here if it is not up, and then stopped at exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=scripts/daemon.sh
. "$ROOT/scripts/daemon.sh"

STARTED_DAEMON=0
STARTED_TLS_DAEMON=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$STARTED_TLS_DAEMON" = 1 ]; then
    echo "[test.sh] stopping the TLS daemon this run started" >&2
    bash "$ROOT/scripts/daemon.sh" stop-tls || rc=$((rc == 0 ? 1 : rc))
  fi
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

t_daemon=$(date +%s)
ensure_tls_daemon || { echo "[test.sh] ERROR: no TLS daemon for the TLS tests" >&2; exit 1; }
STARTED_TLS_DAEMON="$BERTH_TLS_DAEMON_STARTED"
echo "[test.sh] TLS daemon ready after $(($(date +%s) - t_daemon))s: BERTH_TEST_TLS_DOCKER_HOST=$BERTH_TEST_TLS_DOCKER_HOST (started here: $STARTED_TLS_DAEMON)" >&2

if [ -f tsconfig.json ]; then
  step typecheck npx tsc -p tsconfig.json --noEmit
fi

step vitest npx vitest run "$@"

# The README's examples: each block equals its file in examples/, and each runs on Node, Bun
# and Deno against the daemon (scripts/check-docs.ts).
step check-docs npx tsx scripts/check-docs.ts

# The npm package as users get it: packed, installed into a fresh project, imported and used on
# Node, Bun and Deno, its types checked with nodenext and bundler resolution; then, with the same
# tarball, `berth generate` there and a program through the generated clients on all three
# runtimes (scripts/pack-test.sh, which runs scripts/consumer-test.sh).
step pack-test bash scripts/pack-test.sh

# 10 000 calls, 200 attach sessions, 200 aborted streams: descriptors back at the baseline.
step check-leaks npx tsx scripts/check-leaks.ts

# The suites that must pass unchanged on every runtime (vitest covers Node).
for suite in test/runtime/*.ts; do
  case "$suite" in */harness.ts) continue ;; esac
  name=$(basename "$suite" .ts)
  step "bun-$name" npx bun run "$suite"
  step "deno-$name" npx deno run -A "$suite"
done

echo "[test.sh] all steps passed" >&2
