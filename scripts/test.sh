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
# The ssh:// suites need the tests' own sshd (`scripts/sshd.sh start`, 127.0.0.1:2222-2224, its
# remote docker being the test daemon): the same, started if not up and stopped at exit.
# Then the podman pass (issue 15): podman's Docker-compatible service (scripts/podman.sh, started
# and stopped like the throwaway dockerd) runs the integration suite, the README examples and the
# runtime suites again; BERTH_TEST_PODMAN=0 leaves it out, saying so. The run ends with the
# number of tests per daemon and every skipped test with its reason (scripts/daemon-summary.ts).
# The swarm suites (vitest project `swarm`, test/runtime/swarm.ts) need the three-node swarm of
# scripts/swarm.sh: likewise started here if it is not up, and stopped at exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# shellcheck source=scripts/podman.sh
. "$ROOT/scripts/podman.sh" # sources scripts/daemon.sh too
# shellcheck source=scripts/sshd.sh
. "$ROOT/scripts/sshd.sh"

STARTED_DAEMON=0
STARTED_TLS_DAEMON=0
STARTED_SSHD=0
STARTED_PODMAN=0
STARTED_SWARM=0
REPORTS="$(mktemp -d "${TMPDIR:-/tmp}/berth-test-reports.XXXXXX")"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$STARTED_PODMAN" = 1 ]; then
    echo "[test.sh] stopping the podman service this run started" >&2
    bash "$ROOT/scripts/podman.sh" stop || rc=$((rc == 0 ? 1 : rc))
  fi
  rm -rf "$REPORTS"
  if [ "$STARTED_SSHD" = 1 ]; then
    echo "[test.sh] stopping the sshd this run started" >&2
    bash "$ROOT/scripts/sshd.sh" stop || rc=$((rc == 0 ? 1 : rc))
  fi
  if [ "$STARTED_SWARM" = 1 ]; then
    echo "[test.sh] stopping the swarm this run started" >&2
    bash "$ROOT/scripts/swarm.sh" stop || rc=$((rc == 0 ? 1 : rc))
  fi
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

ensure_sshd || { echo "[test.sh] ERROR: no sshd for the ssh:// tests" >&2; exit 1; }
STARTED_SSHD="$BERTH_SSHD_STARTED"
echo "[test.sh] sshd ready: BERTH_TEST_SSH_HOST=$BERTH_TEST_SSH_HOST (started here: $STARTED_SSHD)" >&2

t_daemon=$(date +%s)
bash "$ROOT/scripts/swarm.sh" status >/dev/null 2>&1 || STARTED_SWARM=1
swarm_env="$(bash "$ROOT/scripts/swarm.sh" start)" || { echo "[test.sh] ERROR: no swarm for the swarm tests" >&2; exit 1; }
eval "$swarm_env"
echo "[test.sh] swarm ready after $(($(date +%s) - t_daemon))s: BERTH_SWARM_MANAGER=$BERTH_SWARM_MANAGER (started here: $STARTED_SWARM)" >&2

if [ -f tsconfig.json ]; then
  step typecheck npx tsc -p tsconfig.json --noEmit
fi

echo "$BERTH_TEST_DOCKER_HOST" >"$REPORTS/docker.host"
step vitest npx vitest run --reporter=default --reporter=json --outputFile.json="$REPORTS/docker.json" "$@"

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
# The same on Bun and Deno, whose plain requests run on the same HTTP/1.1 pool over node:net.
step bun-check-leaks npx bun run scripts/check-leaks.ts
step deno-check-leaks npx deno run -A scripts/check-leaks.ts

# The suites that must pass unchanged on every runtime (vitest covers Node, except for the ssh
# suite, which runs on Node here too).
step node-ssh npx tsx test/runtime/ssh.ts
for suite in test/runtime/*.ts; do
  case "$suite" in */harness.ts) continue ;; esac
  name=$(basename "$suite" .ts)
  step "bun-$name" npx bun run "$suite"
  step "deno-$name" npx deno run -A "$suite"
done

# The podman pass, in a subshell: its BERTH_TEST_* variables replace dockerd's only there.
# Left out of it, with the reason printed: what does not talk to the daemon under test:
# faults.test.ts (a dockerd of its own), tls.test.ts / tls.ts (the TLS daemon is a dockerd;
# podman's service has no TLS listener), ssh-*.test.ts / ssh.ts (the sshd's remote end is the
# throwaway dockerd), swarm.ts (the swarm's daemons), timeouts.ts and hardening.ts (no daemon).
if [ "${BERTH_TEST_PODMAN:-1}" = 0 ]; then
  echo "[test.sh] podman pass SKIPPED: BERTH_TEST_PODMAN=0 (unset it to run the suites against podman too)" >&2
else
  t_daemon=$(date +%s)
  ensure_podman || { echo "[test.sh] ERROR: the podman service did not start" >&2; exit 1; }
  STARTED_PODMAN="$BERTH_PODMAN_STARTED"
  echo "[test.sh] podman ready after $(($(date +%s) - t_daemon))s (started here: $STARTED_PODMAN)" >&2
  (
    eval "$BERTH_PODMAN_ENV"
    echo "$BERTH_TEST_DOCKER_HOST" >"$REPORTS/podman.host"
    echo "[test.sh] podman pass: not run there (they do not talk to the daemon under test): test/integration/faults.test.ts (a dockerd of its own), tls.test.ts and test/runtime/tls.ts (a TLS dockerd), ssh-*.test.ts and test/runtime/ssh.ts (the sshd forwards to dockerd), test/runtime/swarm.ts (the swarm's daemons), test/runtime/timeouts.ts and hardening.ts (no daemon)" >&2
    step podman-vitest npx vitest run --project integration --reporter=default --reporter=json \
      --outputFile.json="$REPORTS/podman.json" --exclude test/integration/faults.test.ts --exclude test/integration/tls.test.ts \
      --exclude "test/integration/ssh-*.test.ts" "$@"
    step podman-check-docs npx tsx scripts/check-docs.ts
    for suite in test/runtime/*.ts; do
      case "$suite" in */harness.ts | */tls.ts | */ssh.ts | */swarm.ts | */timeouts.ts | */hardening.ts) continue ;; esac
      name=$(basename "$suite" .ts)
      step "podman-bun-$name" npx bun run "$suite"
      step "podman-deno-$name" npx deno run -A "$suite"
    done
  )
fi

npx tsx scripts/daemon-summary.ts "$REPORTS"/*.json

echo "[test.sh] all steps passed" >&2
