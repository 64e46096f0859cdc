#!/usr/bin/env bash
# bench/run.sh - the benchmark suite (`npm run bench`, issue #7). See bench/README.md.
#
# Uses the daemon at $BERTH_TEST_DOCKER_HOST when it answers, else the throwaway daemon of
# scripts/daemon.sh (started here if it is not up, and stopped again at exit). Compiles bench/
# and src/ to JavaScript in $BERTH_BENCH_WORK/build (default /tmp/berth-bench/build) so that no
# measured process runs a TypeScript loader, builds the package (dist/) that berth's contenders
# load, then runs bench/run.ts from there. Results:
# bench/results/latest.md and latest.json. BENCH_QUICK=1 for a ~2 minute smoke run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=scripts/daemon.sh
. "$ROOT/scripts/daemon.sh"
# shellcheck source=scripts/sshd.sh
. "$ROOT/scripts/sshd.sh"

STARTED_DAEMON=0
STARTED_SSHD=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$STARTED_SSHD" = 1 ]; then
    echo "[bench] stopping the sshd this run started" >&2
    bash "$ROOT/scripts/sshd.sh" stop || rc=$((rc == 0 ? 1 : rc))
  fi
  if [ "$STARTED_DAEMON" = 1 ]; then
    echo "[bench] stopping the daemon this run started" >&2
    bash "$ROOT/scripts/daemon.sh" stop || rc=$((rc == 0 ? 1 : rc))
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

ensure_daemon || { echo "[bench] ERROR: no Docker daemon" >&2; exit 1; }
STARTED_DAEMON="$BERTH_DAEMON_STARTED"
echo "[bench] daemon: $BERTH_TEST_DOCKER_HOST (started here: $STARTED_DAEMON)" >&2
# Scenario ssh (in every run unless BENCH_SCENARIOS leaves it out) needs the tests' sshd.
if [ -z "${BENCH_SCENARIOS:-}" ] || [[ ",$BENCH_SCENARIOS," == *,ssh,* ]]; then
  ensure_sshd || { echo "[bench] ERROR: no sshd for the ssh scenario (BENCH_SCENARIOS without ssh to skip it)" >&2; exit 1; }
  STARTED_SSHD="$BERTH_SSHD_STARTED"
  echo "[bench] sshd: $BERTH_TEST_SSH_HOST (started here: $STARTED_SSHD)" >&2
fi

export BERTH_BENCH_WORK="${BERTH_BENCH_WORK:-/tmp/berth-bench}"
export BERTH_BENCH_REPO="$ROOT"
BUILD="$BERTH_BENCH_WORK/build"
rm -rf "$BUILD"
mkdir -p "$BUILD"
t0=$(date +%s)
# Type errors elsewhere in the tree (work in progress) do not stop the build: tsc still emits.
if ! node node_modules/typescript/bin/tsc -p bench/tsconfig.json --outDir "$BUILD" >"$BERTH_BENCH_WORK/build.log" 2>&1; then
  echo "[bench] warning: tsc reported $(grep -c 'error TS' "$BERTH_BENCH_WORK/build.log") type errors (output emitted; see $BERTH_BENCH_WORK/build.log)" >&2
fi
[ -f "$BUILD/bench/run.js" ] || { echo "[bench] ERROR: the build wrote no bench/run.js (see $BERTH_BENCH_WORK/build.log)" >&2; exit 1; }
# The compiled files are ES modules and resolve packages from the repository's node_modules.
printf '{ "type": "module" }\n' >"$BUILD/package.json"
ln -s "$ROOT/node_modules" "$BUILD/node_modules"
echo "[bench] compiled in $(($(date +%s) - t0))s" >&2
# berth's contenders load the package as it ships: the bundle `npm run build` writes to dist/
# (bench/clients/berth.ts; without these variables they load src/).
t0=$(date +%s)
node scripts/build.mjs >"$BERTH_BENCH_WORK/dist-build.log" 2>&1 || { echo "[bench] ERROR: npm run build failed (see $BERTH_BENCH_WORK/dist-build.log)" >&2; exit 1; }
export BERTH_BENCH_ENTRY="$ROOT/dist/src/index.js" BERTH_BENCH_ENTRY_V141="$ROOT/dist/src/versions/v1.41.js"
echo "[bench] built dist/ in $(($(date +%s) - t0))s" >&2

node --expose-gc "$BUILD/bench/run.js"
