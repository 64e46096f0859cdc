#!/usr/bin/env node
// scripts/build.mjs - `npm run build` (and so `prepack`): writes dist/ from empty.
//
// - JavaScript: esbuild bundles src/ and generated/ into one file per entry point, the entry
//   points being every path of package.json "exports" (and "main") plus the CLI that
//   bin/berth.js imports; code shared by several entries goes to dist/chunks/ (`splitting`), so
//   every module is in exactly one file and a class (the typed errors, ...) is the same class
//   whichever entry it is reached through. Why: a fresh Node process spends most of
//   `import "berth"` opening files, one per module; a handful of files load in a third of the time
//   (issue #7, scenario 6). ESM, platform neutral: every `node:` import stays an import (the code
//   runs on Node, Bun and Deno and picks its transport at run time) and nothing runtime-specific
//   is injected; the package's dependencies and peer dependencies stay imports too. Any other
//   bare import in src/ fails the build (it would be a dependency the package does not declare).
//   Not minified, no source maps (the package ships no sources), legal comments kept.
// - Declarations: tsc -p tsconfig.build.json --emitDeclarationOnly, at the paths the "types"
//   conditions of "exports" name (dist/src/**, dist/generated/**), at the same time.
//
// Then checks that every path package.json and bin/berth.js name exists, and that dist/ holds no
// JavaScript besides the entries and chunks.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, "dist");
/** What bin/berth.js imports, relative to the package root. */
const CLI_ENTRY = "dist/src/cli/main.js";

const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const fail = (message) => {
  console.error(`[build] ${message}`);
  process.exit(1);
};

// --- entry points: dist/<path>.js <- <path>.ts
const outputs = new Set();
for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
  if (subpath === "./package.json") continue;
  const file = typeof target === "string" ? target : target.default;
  if (typeof file !== "string") fail(`exports["${subpath}"] has no "default" path`);
  outputs.add(file.replace(/^\.\//, ""));
}
if (manifest.main) outputs.add(manifest.main.replace(/^\.\//, ""));
const bin = readFileSync(join(root, "bin/berth.js"), "utf8");
if (!bin.includes(`"../${CLI_ENTRY}"`)) fail(`bin/berth.js does not import ../${CLI_ENTRY}; update CLI_ENTRY in scripts/build.mjs`);
outputs.add(CLI_ENTRY);
const entryPoints = [...outputs].map((output) => {
  const match = /^dist\/(.+)\.js$/.exec(output);
  if (!match) fail(`${output} (package.json) is not a .js file under dist/`);
  const source = `${match[1]}.ts`;
  if (!existsSync(join(root, source))) fail(`${output} (package.json) has no source ${source}`);
  return { in: source, out: match[1] };
});

// --- bare imports: node: builtins and declared (peer) dependencies stay imports; nothing else
const external = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
const packageName = (specifier) => specifier.split("/", specifier.startsWith("@") ? 2 : 1).join("/");
const bareImports = {
  name: "berth-bare-imports",
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      if (external.has(packageName(args.path))) return { path: args.path, external: true };
      return {
        errors: [
          {
            text: `"${args.path}" is neither a node: builtin nor a dependency or peer dependency of berth (write node:${args.path} for a builtin)`,
          },
        ],
      };
    });
  },
};

// --- build
rmSync(outdir, { recursive: true, force: true });

const declarations = new Promise((resolve, reject) => {
  const tsc = spawn(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--emitDeclarationOnly"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  tsc.on("error", reject);
  tsc.on("exit", (code, signal) =>
    code === 0 ? resolve() : reject(new Error(`tsc -p tsconfig.build.json --emitDeclarationOnly: exit ${code ?? signal}`)),
  );
});

const javascript = build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  plugins: [bareImports],
  minify: false,
  sourcemap: false,
  legalComments: "inline",
  // ASCII (esbuild escapes the rest): V8 keeps a module's source for as long as the module
  // lives, as one-byte text only when every character fits in Latin-1. Five "…" in messages
  // made the 300 KB transport chunk a two-byte string, 600 KB of heap in every process.
  charset: "ascii",
  metafile: true,
  logLevel: "warning",
});

const [declared, bundled] = await Promise.allSettled([declarations, javascript]);
if (declared.status === "rejected") fail(declared.reason.message);
if (bundled.status === "rejected") fail(`esbuild: ${bundled.reason.message.split("\n")[0]}`);

// --- checks
const named = [
  ...Object.values(manifest.exports ?? {}).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target))),
  manifest.main,
  manifest.types,
  CLI_ENTRY,
].filter((path) => typeof path === "string" && path !== "./package.json");
const missing = named.filter((path) => !existsSync(join(root, path)));
if (missing.length > 0) fail(`package.json names files the build did not write: ${missing.join(", ")}`);

const written = new Set(Object.keys(bundled.value.metafile.outputs).map((path) => relative(root, join(root, path))));
const stray = [];
const walk = (directory) => {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (/\.(m?js|cjs)$/.test(entry.name) && !written.has(relative(root, path))) stray.push(relative(root, path));
  }
};
walk(outdir);
if (stray.length > 0) fail(`dist/ holds JavaScript esbuild did not write (tsc emitting?): ${stray.join(", ")}`);

// npm packs only what "files" names: every bundle file (entries, chunks) must be under one of them.
const shipped = (manifest.files ?? [])
  .filter((entry) => !entry.startsWith("!") && !/[*?[]/.test(entry))
  .map((entry) => entry.replace(/\/$/, ""));
const unshipped = [...written].filter((path) => !shipped.some((entry) => path === entry || path.startsWith(`${entry}/`)));
if (unshipped.length > 0) fail(`package.json "files" does not cover ${unshipped.join(", ")}`);

// Comments esbuild keeps are not escaped by `charset: "ascii"`; one character past Latin-1 in
// them doubles the heap the file's source takes in every process that loads it.
const wide = [...written].filter((path) => /[^\u0000-\u00ff]/.test(readFileSync(join(root, path), "utf8")));
if (wide.length > 0) fail(`the bundle holds characters past Latin-1 (a comment in src/?): ${wide.join(", ")}`);

const chunks = [...written].filter((path) => path.startsWith("dist/chunks/"));
console.log(`[build] dist/: ${entryPoints.length} entry points, ${chunks.length} chunks, declarations`);
