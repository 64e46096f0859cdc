#!/usr/bin/env bash
# scripts/pack-test.sh - the npm package as a user gets it (`npm run pack-test`; a step of npm test).
#
# 1. `npm pack` (its `prepack` rebuilds dist/ from empty, so nothing an earlier build left there
#    ships, and writes the API reference docs/api/) and checks what the tarball holds: the
#    bundled library (one file per "exports" entry and the CLI, shared chunks in dist/chunks/, no
#    per-module files) and its declarations (every path of "exports"), the bin, the API
#    reference (markdown), the generator with its overlay, and no sources, tests or source maps.
# 2. Installs the tarball into a fresh temporary project (`npm install --prefer-offline`: the
#    dependencies come from the npm cache the repository's own install filled).
# 3. Runs test/packaging/consumer.mjs there on Node, Bun and Deno (`import ... from "berth-docker"`:
#    ping, version, a typed error against the test daemon, and an error thrown through
#    "berth/v1.41" that is `instanceof` the class "berth" exports); runs the `berth` bin.
# 4. Type-checks test/packaging/consumer.ts against the installed declarations with
#    moduleResolution nodenext and bundler.
# 5. scripts/consumer-test.sh with the same tarball: `berth generate` in a fresh project for
#    1.25, 1.41 and 1.56, and test/consumer/program.ts through the 1.41 and 1.56 output on
#    Node (compiled), Bun and Deno (no --sloppy-imports).
#
# Deno reads the package from the project's node_modules (`--node-modules-dir=manual`, bare and
# `npm:` specifiers both resolve there): offline, a local tarball cannot be served to Deno's own
# npm resolver, and this is how a Deno project with a package.json uses an npm-installed package.
# Needs the daemon: BERTH_TEST_DOCKER_HOST (scripts/test.sh exports it; so does
# `eval "$(bash scripts/daemon.sh env)"`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
: "${BERTH_TEST_DOCKER_HOST:?set BERTH_TEST_DOCKER_HOST (eval \"\$(bash scripts/daemon.sh env)\")}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/berth-pack-test.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
log() { printf '[pack-test] %s\n' "$*" >&2; }
fail() {
  printf '[pack-test] FAIL: %s\n' "$*" >&2
  exit 1
}

# --- 1. pack
log "npm pack (prepack: build + docs)"
npm pack --pack-destination "$WORK" --silent >"$WORK/pack.out"
TARBALL="$WORK/$(tail -n 1 "$WORK/pack.out")"
[ -f "$TARBALL" ] || fail "npm pack did not write a tarball ($(cat "$WORK/pack.out"))"
tar -tzf "$TARBALL" | sed 's|^package/||' | sort >"$WORK/files.txt"
for required in \
  package.json README.md bin/berth.js \
  dist/src/index.js dist/src/index.d.ts dist/src/cli/main.js dist/src/versions/v1.41.d.ts \
  dist/generated/v1.10/index.js dist/generated/v1.41/index.d.ts \
  docs/api/README.md docs/api/berth.md docs/migration.md \
  scripts/generate/pipeline.mjs overlays/docker-engine-api.yaml; do
  grep -qxF "$required" "$WORK/files.txt" || fail "the tarball lacks $required"
done
if grep -E '^(src|test|bench|spec|examples)/|\.test\.|^node_modules/' "$WORK/files.txt"; then
  fail "the tarball holds sources or tests (listed above)"
fi
# Maps would point at src/ and generated/*.ts, which are not shipped; the daemon check of the
# generator is a development tool.
if grep -E '\.map$|^scripts/generate/verify-daemon\.mjs$' "$WORK/files.txt"; then
  fail "the tarball holds source maps or development scripts (listed above)"
fi
# Every path of "exports" (both conditions), "main", "types" is in the tarball.
node -e '
  const m = require("./package.json");
  const paths = Object.values(m.exports).flatMap((t) => (typeof t === "string" ? [t] : Object.values(t)));
  for (const p of [...paths, m.main, m.types]) if (p && p !== "./package.json") console.log(p.replace(/^\.\//, ""));
' | sort -u >"$WORK/named.txt"
missing="$(comm -23 "$WORK/named.txt" "$WORK/files.txt")"
[ -z "$missing" ] || fail "package.json names files the tarball lacks: $missing"
# The JavaScript is esbuild's bundle (scripts/build.mjs): one file per "exports" entry and one for
# the CLI, the shared code in dist/chunks/, and no file per module (tsc's output: ~90 files that
# `import "berth"` would load one by one).
grep -qE '^dist/chunks/[^/]+\.js$' "$WORK/files.txt" || fail "the tarball has no dist/chunks/*.js"
{
  grep -E '\.js$' "$WORK/named.txt"
  echo dist/src/cli/main.js
} | sort -u >"$WORK/entries.txt"
stray="$(grep -E '^dist/.*\.js$' "$WORK/files.txt" | grep -v '^dist/chunks/' | comm -23 - "$WORK/entries.txt")"
[ -z "$stray" ] || fail "the tarball holds JavaScript besides the bundle's entries and chunks (unbundled build?): $stray"
log "tarball $(basename "$TARBALL"): $(wc -l <"$WORK/files.txt") files, $(du -k "$TARBALL" | cut -f1) KiB; $(wc -l <"$WORK/entries.txt") bundle entries, $(grep -cE '^dist/chunks/' "$WORK/files.txt") chunks"

# --- 2. a fresh project
PROJECT="$WORK/project"
mkdir -p "$PROJECT"
cp test/packaging/consumer.mjs test/packaging/consumer.ts test/packaging/tsconfig.*.json "$PROJECT/"
cat >"$PROJECT/package.json" <<'EOF'
{ "name": "berth-pack-test-consumer", "version": "1.0.0", "private": true, "type": "module" }
EOF
TYPES_NODE="$(node -p 'require("./node_modules/@types/node/package.json").version')"
log "npm install the tarball (and @types/node@$TYPES_NODE for the type check) into $PROJECT"
(cd "$PROJECT" && npm install --prefer-offline --no-audit --no-fund --silent "$TARBALL" "@types/node@$TYPES_NODE")

# --- 3. each runtime imports berth and talks to the daemon
export DOCKER_HOST="$BERTH_TEST_DOCKER_HOST"
BUN="$ROOT/node_modules/.bin/bun"
DENO="$ROOT/node_modules/.bin/deno"
(cd "$PROJECT" && node consumer.mjs) || fail "node could not use the installed package"
(cd "$PROJECT" && "$BUN" consumer.mjs) || fail "bun could not use the installed package"
(cd "$PROJECT" && "$DENO" run -A --node-modules-dir=manual consumer.mjs) || fail "deno could not use the installed package"
sed 's|from "berth|from "npm:berth|' "$PROJECT/consumer.mjs" >"$PROJECT/consumer-npm-specifier.mjs"
(cd "$PROJECT" && "$DENO" run -A --node-modules-dir=manual consumer-npm-specifier.mjs) || fail "deno could not import npm:berth"

out="$(cd "$PROJECT" && ./node_modules/.bin/berth version)" || fail "the berth bin failed"
grep -q '^ API version: ' <<<"$out" || fail "unexpected berth version output: $out"
log "node_modules/.bin/berth version: ok"
# The generator ships, and says what it needs when the project lacks its tools.
set +e
gen="$(cd "$PROJECT" && ./node_modules/.bin/berth generate --spec "$ROOT/spec/docker-api-v1.10.yaml" 2>&1)"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'npm install --save-dev openapi-typescript' <<<"$gen" || fail "berth generate without its tools: exit $rc, $gen"
log "berth generate without the generator's tools explains what to install: ok"

# --- 4. types resolve through the exports map
for resolution in nodenext bundler; do
  (cd "$PROJECT" && node "$ROOT/node_modules/typescript/bin/tsc" -p "tsconfig.$resolution.json") ||
    fail "consumer.ts does not type-check with moduleResolution $resolution"
  log "tsc with moduleResolution $resolution: ok"
done
# --- 5. regenerating as a user does it, with the same tarball (scripts/consumer-test.sh)
bash "$ROOT/scripts/consumer-test.sh" "$TARBALL" || fail "the consumer test (berth generate in a fresh project) failed"
log "all checks passed"
