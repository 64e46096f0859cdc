#!/usr/bin/env node
// Generates typed artefacts of the Docker Engine API into generated/v<X.Y>/:
//   openapi.json  final OpenAPI 3 document (Swagger 2.0 inputs: converted, then overlaid)
//   schema.ts     openapi-typescript types (paths, components, operations) for openapi-fetch
//   validate.ts   dependency-free validator functions for every components.schemas entry
//   zod.ts        zod v4 schemas for every components.schemas entry (the only file importing zod)
//   index.ts      apiVersion, the types and the validators (no zod)
// See generated/README.md for usage.

import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkGeneratorTools } from "./generate/tools.mjs";

// The tools are checked before the generator modules that import them are loaded.
try {
  checkGeneratorTools();
} catch (err) {
  console.error(`generate: ${err.message}`);
  process.exit(1);
}
const { defaultOverlay, diffAgainst, generateFiles, repoRoot, writeFiles } = await import("./generate/pipeline.mjs");
const isUrl = (s) => /^https?:\/\//i.test(s);

const USAGE = `Usage: node scripts/generate.mjs [--spec FILE_OR_URL] [--version X.Y] [--out DIR] [--check]
       node scripts/generate.mjs [--all] [--out BASE_DIR] [--check]

  (no arguments)   same as --all: regenerate everything committed under generated/
  --all            v1.10 from spec/docker-api-v1.10.yaml, v1.41 and v1.56 from
                   vendor/moby-api/v1.41.yaml and v1.56.yaml
                   (--out BASE_DIR then holds the v<X.Y>/ directories)
  --spec SRC       a single input: file or http(s) URL, YAML or JSON, Swagger 2.0 or OpenAPI 3.x
                   (without --spec and --all: spec/docker-api-v1.10.yaml → generated/v1.10/)
  --version X.Y    API version (default: from info.version or the Swagger basePath)
  --out DIR        output directory of a single input (default: generated/v<X.Y>/)
  --overlay FILE   overlay applied to Swagger 2.0 inputs (default: overlays/docker-engine-api.yaml)
  --no-overlay     do not apply any overlay
  --check          generate into a temporary directory and compare with the output directory;
                   exit 1 and list the files that differ
  --quiet          print errors only`;

const rel = (p) => {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith("..") ? r : p;
};

function parseCli(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        spec: { type: "string" },
        version: { type: "string" },
        out: { type: "string" },
        overlay: { type: "string" },
        "no-overlay": { type: "boolean", default: false },
        all: { type: "boolean", default: false },
        check: { type: "boolean", default: false },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (values.version !== undefined && !/^\d+\.\d+$/.test(values.version))
    throw new UsageError(`--version must look like 1.41, got ${values.version}`);
  if (values.all && values.spec) throw new UsageError("--all and --spec cannot be combined");
  if (values.all && values.version) throw new UsageError("--all and --version cannot be combined");
  if (values.overlay && values["no-overlay"]) throw new UsageError("--overlay and --no-overlay cannot be combined");
  return values;
}

class UsageError extends Error {}

/** The list of { source, version?, outDir } to generate. */
function planTargets(opts) {
  const overlay = opts["no-overlay"] ? null : opts.overlay ? path.resolve(opts.overlay) : defaultOverlay;
  const v110 = { source: path.join(repoRoot, "spec", "docker-api-v1.10.yaml"), version: "1.10", overlay };
  const v141 = {
    source: path.resolve(repoRoot, "vendor/moby-api/v1.41.yaml"),
    version: "1.41",
    overlay,
  };
  const v156 = { source: path.resolve(repoRoot, "vendor/moby-api/v1.56.yaml"), version: "1.56", overlay };
  const all = !opts.spec && (opts.all || (opts.version === undefined && opts.out === undefined));
  if (all) {
    const base = opts.out ? path.resolve(opts.out) : path.join(repoRoot, "generated");
    return [v110, v141, v156].map((t) => ({ ...t, outDir: path.join(base, `v${t.version}`) }));
  }
  if (!opts.spec) {
    const version = opts.version ?? "1.10";
    return [{ ...v110, version, outDir: opts.out ? path.resolve(opts.out) : path.join(repoRoot, "generated", `v${version}`) }];
  }
  const source = isUrl(opts.spec) ? opts.spec : path.resolve(opts.spec);
  return [{ source, version: opts.version, overlay, outDir: opts.out ? path.resolve(opts.out) : undefined }];
}

async function main() {
  const opts = parseCli(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const log = opts.quiet ? () => {} : (msg) => console.log(msg);
  const targets = planTargets(opts);
  for (const t of targets) {
    if (!isUrl(t.source) && !existsSync(t.source)) {
      throw new Error(`Input not found: ${t.source}`);
    }
    if (t.overlay && !existsSync(t.overlay)) throw new Error(`Overlay not found: ${t.overlay}`);
  }

  let failed = false;
  const tmpRoot = opts.check ? await mkdtemp(path.join(os.tmpdir(), "berth-generate-")) : undefined;
  try {
    for (const t of targets) {
      const started = performance.now();
      const { files, apiVersion, inputName, report } = await generateFiles({ source: t.source, version: t.version, overlay: t.overlay });
      const outDir = t.outDir ?? path.join(repoRoot, "generated", `v${apiVersion}`);
      const notes = [];
      if (report.converted) {
        notes.push(`converted from Swagger 2.0 (${report.patches} converter fix-ups, ${report.refSiblingFixes.length} $ref-sibling fixes)`);
        const applied = report.overlayLog.filter((a) => !a.skipped).length;
        if (t.overlay) notes.push(`${applied}/${report.overlayLog.length} overlay actions applied`);
      }
      const ms = Math.round(performance.now() - started);
      if (opts.check) {
        // Write to a temporary directory too, so the check exercises the real write path.
        await writeFiles(path.join(tmpRoot, `v${apiVersion}`), files);
        const problems = await diffAgainst(outDir, files);
        if (problems.length) {
          failed = true;
          console.error(`✗ v${apiVersion} (${inputName}) is out of date in ${rel(outDir)}:`);
          for (const p of problems) console.error(`    ${rel(p.file)}: ${p.problem}`);
        } else {
          log(`✓ v${apiVersion} (${inputName}) is up to date in ${rel(outDir)} [${ms} ms]`);
        }
      } else {
        await writeFiles(outDir, files);
        log(
          `wrote ${rel(outDir)}/{${Object.keys(files).join(",")}} from ${inputName} [${ms} ms]${notes.length ? `\n    ${notes.join("; ")}` : ""}`,
        );
      }
    }
  } finally {
    if (tmpRoot) await rm(tmpRoot, { recursive: true, force: true });
  }
  if (failed) console.error("Run `npm run generate` to update the generated files.");
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
    else console.error(`generate: ${err.message}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
