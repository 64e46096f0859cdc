// One generation run: input → final OpenAPI 3 document → files in an output directory.

import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { applyKinds } from "./methods.mjs";
import { buildDocument, parseDocument } from "./spec.mjs";
import { renderVersion } from "./render.mjs";

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");
export const defaultOverlay = path.join(repoRoot, "overlays", "docker-engine-api.yaml");

/**
 * Generates the files of one API version (in memory).
 * `format` and `zod`: see renderVersion (default: TypeScript sources with zod.ts, as in generated/).
 * @param {{ source: string, version?: string, overlay?: string|null, cwd?: string, format?: "ts"|"js", zod?: boolean }} options
 */
export async function generateFiles({ source, version, overlay = defaultOverlay, cwd = process.cwd(), format = "ts", zod = true }) {
  const { doc, apiVersion, inputName, report } = await buildDocument({ source, version, overlay, cwd });
  // The runtime kinds are not corrections: every version gets them, whatever its input format.
  const kindsFrom = overlay ?? defaultOverlay;
  applyKinds(doc, parseDocument(await readFile(path.resolve(cwd, kindsFrom), "utf8"), path.basename(kindsFrom))["x-berth-kinds"]);
  const overlayName = report.converted && overlay ? path.relative(repoRoot, overlay).split(path.sep).join("/") : undefined;
  const files = await renderVersion(doc, { apiVersion, inputName, overlayName, format, zod });
  return { files, apiVersion, inputName, report };
}

/** Writes a `{ name: contents }` map into `dir` (created if needed). */
export async function writeFiles(dir, files) {
  await mkdir(dir, { recursive: true });
  for (const name of Object.keys(files)) await writeFile(path.join(dir, name), files[name]);
}

/**
 * Compares freshly generated files with the ones in `dir`.
 * @returns {Promise<{ file: string, problem: string }[]>} the differences (empty when identical)
 */
export async function diffAgainst(dir, files) {
  const problems = [];
  let present = [];
  try {
    present = await readdir(dir);
  } catch {
    return [{ file: dir, problem: "directory missing" }];
  }
  for (const name of Object.keys(files)) {
    const file = path.join(dir, name);
    let current;
    try {
      current = await readFile(file, "utf8");
    } catch {
      problems.push({ file, problem: "missing" });
      continue;
    }
    if (current !== files[name]) {
      const a = current.split("\n");
      const b = files[name].split("\n");
      let line = 0;
      while (line < Math.min(a.length, b.length) && a[line] === b[line]) line++;
      problems.push({
        file,
        problem: `differs (first difference at line ${line + 1}; ${a.length} lines committed, ${b.length} generated)`,
      });
    }
  }
  for (const name of present.sort()) if (!(name in files)) problems.push({ file: path.join(dir, name), problem: "unexpected file" });
  return problems;
}
