#!/usr/bin/env bash
# scripts/demo.sh - `npm run demo`: the berth CLI against a real daemon, from a fresh clone.
#
# 1. Installs the locked dependencies if node_modules is missing, and builds dist/ (what
#    bin/berth.js runs) when it is missing or older than the sources.
# 2. Uses the daemon at $DOCKER_HOST when it answers; otherwise the throwaway daemon and local
#    registries of scripts/daemon.sh (started if needed, and stopped at exit if this script
#    started them).
# 3. Runs, printing each command first: berth version, a container that says hello, a build,
#    a push and a pull through the local registry (live progress: bars on a terminal, one line
#    per layer change otherwise), run of the pulled image, images, ps -a. What it creates is
#    removed at exit.
#
# Environment: BERTH_DEMO_IMAGE (image to run; default: the throwaway daemon's test image, or
# busybox:latest on your own daemon), BERTH_DEMO_REGISTRY (host:port of a registry to push to;
# default: the throwaway daemon's open registry; none on your own daemon, so no push/pull).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/daemon.sh
. "$ROOT/scripts/daemon.sh"

say() { printf '\n\033[1m[demo]\033[0m %s\n' "$*" >&2; }

STARTED_DAEMON=0
WORK=""
CREATED_IMAGES=()
cleanup() {
  local rc=$?
  trap - EXIT
  if [ "${#CREATED_IMAGES[@]}" -gt 0 ] && [ -n "${DOCKER_HOST:-}" ]; then
    node bin/berth.js rmi -f "${CREATED_IMAGES[@]}" >/dev/null 2>&1 || true
  fi
  [ -n "$WORK" ] && rm -rf "$WORK"
  if [ "$STARTED_DAEMON" = 1 ]; then bash "$ROOT/scripts/daemon.sh" stop || true; fi
  exit "$rc"
}
trap cleanup EXIT

# --- 1. dependencies and the build the CLI runs from
if [ ! -d node_modules ]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
if [ ! -f dist/src/cli/main.js ] || [ -n "$(find src generated tsconfig.json tsconfig.build.json scripts/build.mjs -newer dist/src/cli/main.js -print -quit)" ]; then
  say "building dist/ (npm run build)"
  npm run --silent build
fi

# --- 2. the daemon
if [ -n "${DOCKER_HOST:-}" ] && _bd_ping "$DOCKER_HOST"; then
  say "using your daemon: DOCKER_HOST=$DOCKER_HOST"
  IMAGE="${BERTH_DEMO_IMAGE:-busybox:latest}"
  REGISTRY="${BERTH_DEMO_REGISTRY:-}"
else
  say "no daemon at DOCKER_HOST; using the throwaway one (scripts/daemon.sh)"
  # A daemon directory that exists belongs to someone else's daemon (perhaps restarting under a
  # fault test right now, so that it does not answer for a moment): never stop that one.
  daemon_dir="${BERTH_DAEMON_DIR:-/tmp/berth-daemon}"
  dir_existed=0
  [ -e "$daemon_dir" ] && dir_existed=1
  ensure_daemon --docker-host
  [ "$dir_existed" = 0 ] && STARTED_DAEMON="$BERTH_DAEMON_STARTED"
  IMAGE="${BERTH_DEMO_IMAGE:-$BERTH_TEST_IMAGE}"
  REGISTRY="${BERTH_DEMO_REGISTRY:-$BERTH_TEST_REGISTRY}"
  say "DOCKER_HOST=$DOCKER_HOST"
fi
export DOCKER_HOST

# --- 3. the demo
berth() {
  printf '\n\033[1m$ berth %s\033[0m\n' "$*" >&2
  node "$ROOT/bin/berth.js" "$@"
}

berth version
berth run --rm "$IMAGE" echo "hello from a container started by berth"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/berth-demo.XXXXXX")"
cat >"$WORK/Dockerfile" <<EOF
FROM $IMAGE
RUN echo "built by berth at \$(date -u +%H:%M:%S)" > /greeting
CMD ["cat", "/greeting"]
EOF
printf 'node_modules\n' >"$WORK/.dockerignore"
TAG="berth-demo/hello:$$"

if [ -n "$REGISTRY" ]; then
  REMOTE="$REGISTRY/$TAG"
  CREATED_IMAGES+=("$REMOTE")
  berth build -t "$REMOTE" "$WORK"
  berth push "$REMOTE"
  berth rmi "$REMOTE"
  berth pull "$REMOTE"
  berth run --rm "$REMOTE"
else
  CREATED_IMAGES+=("$TAG")
  berth build -t "$TAG" "$WORK"
  berth run --rm "$TAG"
  say "no registry given (BERTH_DEMO_REGISTRY): push and pull skipped"
fi
berth images
berth ps -a
say "done: everything above went through berth's typed client (see README.md)"
