#!/usr/bin/env bash
# scripts/consumer-test.sh [TARBALL] - regenerating as a user does it (a step of npm test, run by
# scripts/pack-test.sh with the tarball it packed; alone it packs one itself).
#
# In a temporary project outside the repository: install the berth tarball and the generator's
# tools with the documented install line (`--prefer-offline`: from the npm cache when it has
# them), run `berth generate` for the v1.25, v1.41 and v1.56 documents (default output: JavaScript
# with .d.ts), type-check test/consumer/program.ts against the 1.41 and 1.56 output with tsc
# (strict, nodenext; zod is not installed), then run it as compiled JavaScript on Node, and as
# TypeScript on Bun and on Deno (without --sloppy-imports) against the test daemon.
# Needs BERTH_TEST_DOCKER_HOST, BERTH_TEST_IMAGE, BERTH_TEST_REGISTRY (scripts/daemon.sh env).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
: "${BERTH_TEST_DOCKER_HOST:?set BERTH_TEST_DOCKER_HOST (eval \"\$(bash scripts/daemon.sh env)\")}"
: "${BERTH_TEST_REGISTRY:?set BERTH_TEST_REGISTRY (eval \"\$(bash scripts/daemon.sh env)\")}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/berth-consumer-test.XXXXXX")"
[ -n "${BERTH_CONSUMER_KEEP:-}" ] && echo "[consumer-test] keeping $WORK" >&2 || trap 'rm -rf "$WORK"' EXIT
log() { printf '[consumer-test] %s\n' "$*" >&2; }
fail() {
  printf '[consumer-test] FAIL: %s\n' "$*" >&2
  exit 1
}
t0=$(date +%s)

TARBALL="${1:-}"
if [ -z "$TARBALL" ]; then
  log "npm pack (prepack: build + docs)"
  npm pack --pack-destination "$WORK" --silent >"$WORK/pack.out"
  TARBALL="$WORK/$(tail -n 1 "$WORK/pack.out")"
fi
[ -f "$TARBALL" ] || fail "no tarball at $TARBALL"

PROJECT="$WORK/project"
mkdir -p "$PROJECT"
cat >"$PROJECT/package.json" <<'JSON'
{ "name": "berth-consumer-test", "version": "1.0.0", "private": true, "type": "module" }
JSON
cat >"$PROJECT/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "skipLibCheck": false,
    "types": ["node"],
    "lib": ["ES2023", "DOM", "DOM.Iterable", "DOM.AsyncIterable"]
  },
  "include": ["program-*.ts", "use-v1.25.ts"]
}
JSON
# The documented install line (docs/regenerating.md), read from the generator itself.
INSTALL="$(node --input-type=module -e 'import { INSTALL_LINE } from "./scripts/generate/tools.mjs"; console.log(INSTALL_LINE)')"
TYPES_NODE="$(node -p 'require("./node_modules/@types/node/package.json").version')"
log "in $PROJECT: npm install berth; $INSTALL"
(cd "$PROJECT" && npm install --prefer-offline --no-audit --no-fund --silent "$TARBALL" "@types/node@$TYPES_NODE")
# shellcheck disable=SC2086 # the line is words on purpose
(cd "$PROJECT" && ${INSTALL/npm install/npm install --prefer-offline --no-audit --no-fund --silent})
log "installs done after $(($(date +%s) - t0))s"

for version in 1.25 1.41 1.56; do
  (cd "$PROJECT" && ./node_modules/.bin/berth generate --spec "$ROOT/vendor/moby-api/v$version.yaml" --out "gen/v$version") ||
    fail "berth generate for v$version"
done
[ ! -e "$PROJECT/gen/v1.56/zod.js" ] || fail "zod.js was written without --zod"
[ -f "$PROJECT/gen/v1.56/index.js" ] && [ -f "$PROJECT/gen/v1.56/index.d.ts" ] || fail "no index.js + index.d.ts in gen/v1.56"
log "berth generate v1.25, v1.41, v1.56: ok after $(($(date +%s) - t0))s"

cat >"$PROJECT/use-v1.25.ts" <<'TS'
import { apiVersion, type paths } from "./gen/v1.25/index.js";
import { createDockerApi } from "berth-docker";
export const make = () => createDockerApi<paths>({ preferredVersion: apiVersion });
TS
for version in 1.41 1.56; do
  sed "s/__VERSION__/$version/g" test/consumer/program.ts >"$PROJECT/program-v$version.ts"
done
(cd "$PROJECT" && node node_modules/typescript/bin/tsc -p tsconfig.json) || fail "the program does not type-check against the generated clients"
log "tsc (strict, nodenext, no zod installed): ok"

export DOCKER_HOST="$BERTH_TEST_DOCKER_HOST"
BUN="$ROOT/node_modules/.bin/bun"
DENO="$ROOT/node_modules/.bin/deno"
for version in 1.41 1.56; do
  (cd "$PROJECT" && node "program-v$version.js") || fail "node: program-v$version.js"
  (cd "$PROJECT" && "$BUN" "program-v$version.ts") || fail "bun: program-v$version.ts"
  (cd "$PROJECT" && "$DENO" run -A --node-modules-dir=manual "program-v$version.ts") || fail "deno: program-v$version.ts"
done
log "all checks passed in $(($(date +%s) - t0))s"
