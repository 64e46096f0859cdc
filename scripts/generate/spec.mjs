// Loading an API description (file or URL, YAML or JSON) and turning it into the final
// OpenAPI 3 document: Swagger 2.0 is converted with swagger2openapi, then the overlay is applied.

import { readFile } from "node:fs/promises";
import path from "node:path";
import yaml from "js-yaml";
import s2o from "swagger2openapi";
import { applyOverlay } from "./overlay.mjs";
import { clone, isPlainObject, parseApiVersion } from "./util.mjs";

export const isUrl = (s) => /^https?:\/\//i.test(s);

/** Base name of a file path or URL, used in the generated headers (never an absolute path). */
export function sourceName(source) {
  if (isUrl(source)) {
    const u = new URL(source);
    return path.posix.basename(u.pathname) || u.hostname;
  }
  return path.basename(source);
}

/** Parses YAML or JSON text (JSON is valid YAML, but JSON.parse is faster and stricter). */
export function parseDocument(text, name = "document") {
  const trimmed = text.trimStart();
  try {
    if (trimmed.startsWith("{")) return JSON.parse(text);
    return yaml.load(text, { filename: name, json: true });
  } catch (e) {
    throw new Error(`Cannot parse ${name}: ${e.message}`);
  }
}

/** Reads a file (relative to `cwd`) or fetches a URL with the global fetch. */
export async function readSource(source, { cwd = process.cwd() } = {}) {
  if (isUrl(source)) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`GET ${source} failed: ${res.status} ${res.statusText}`);
    return res.text();
  }
  const file = path.resolve(cwd, source);
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    if (e.code === "ENOENT") throw new Error(`Input not found: ${file}`);
    throw e;
  }
}

/** API version ("X.Y") declared by a document: info.version, else Swagger's basePath, else servers[0].url. */
export function detectApiVersion(doc) {
  return (
    parseApiVersion(doc?.info?.version) ??
    parseApiVersion(doc?.basePath) ??
    (Array.isArray(doc?.servers) ? parseApiVersion(doc.servers[0]?.url) : undefined)
  );
}

export const isSwagger2 = (doc) => isPlainObject(doc) && String(doc.swagger ?? "").startsWith("2.");
export const isOpenApi3 = (doc) => isPlainObject(doc) && /^3\.[01]\./.test(String(doc.openapi ?? ""));

/**
 * Fixes schemas where a `$ref` has sibling keywords. Swagger 2.0 (and OpenAPI 3.0) ignore siblings
 * of `$ref`, but the Docker specs put `x-nullable: true` / `description` next to `$ref`, and
 * swagger2openapi either drops them (default) or keeps `x-nullable` unconverted ('preserve').
 * A nullable reference becomes `{ allOf: [{ $ref }], nullable: true, description }` (the usual
 * OpenAPI 3.0 idiom); any other sibling is dropped, as the spec says it is ignored.
 * Returns the JSON pointers that were rewritten.
 */
export function fixRefSiblings(doc) {
  const changed = [];
  const esc = (k) => String(k).replace(/~/g, "~0").replace(/\//g, "~1");
  const walk = (node, ptr) => {
    if (!isPlainObject(node) && !Array.isArray(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (isPlainObject(v) && typeof v.$ref === "string" && Object.keys(v).length > 1) {
        // `x-nullable`/`nullable` only ever sit in schema objects, so this is a schema.
        if (v["x-nullable"] === true || v.nullable === true) {
          node[k] = { allOf: [{ $ref: v.$ref }], nullable: true };
          if (typeof v.description === "string") node[k].description = v.description;
        } else {
          node[k] = { $ref: v.$ref };
        }
        changed.push(`${ptr}/${esc(k)}`);
      } else {
        walk(v, `${ptr}/${esc(k)}`);
      }
    }
  };
  walk(doc, "");
  return changed;
}

/**
 * Converts a Swagger 2.0 document to OpenAPI 3.0 with swagger2openapi (the input is not mutated).
 * @returns {Promise<{ openapi: Record<string, any>, patches: number, refSiblingFixes: string[] }>}
 */
export async function convertSwagger2(doc) {
  let result;
  try {
    result = await s2o.convertObj(clone(doc), {
      patch: true, // fix small, well-known Swagger 2.0 errors instead of failing
      warnOnly: true, // report non-fatal problems as warnings (the 1.41 spec has a few)
      refSiblings: "preserve", // keep `x-nullable` next to `$ref`; fixRefSiblings handles it
      resolve: false, // never fetch external references
      resolveInternal: false,
      direct: false,
    });
  } catch (e) {
    throw new Error(`swagger2openapi failed: ${e.message}`);
  }
  const openapi = result.openapi;
  const refSiblingFixes = fixRefSiblings(openapi);
  return { openapi, patches: result.patches ?? 0, refSiblingFixes };
}

/**
 * Loads `source` and produces the final OpenAPI 3 document.
 * @param {{ source: string, cwd?: string, version?: string, overlay?: string|null }} options
 *   `overlay`: path of an Overlay 1.0 file applied after converting a Swagger 2.0 input (null: none).
 */
export async function buildDocument({ source, cwd = process.cwd(), version, overlay = null }) {
  const text = await readSource(source, { cwd });
  const input = parseDocument(text, sourceName(source));
  const apiVersion = version ?? detectApiVersion(input);
  if (!apiVersion) throw new Error(`Cannot tell the API version of ${sourceName(source)}: pass --version X.Y`);
  if (!/^\d+\.\d+$/.test(apiVersion)) throw new Error(`Bad API version ${JSON.stringify(apiVersion)} (expected X.Y)`);
  /** @type {{ converted: boolean, patches: number, refSiblingFixes: string[], overlayLog: any[] }} */
  const report = { converted: false, patches: 0, refSiblingFixes: [], overlayLog: [] };
  let doc;
  if (isSwagger2(input)) {
    const conv = await convertSwagger2(input);
    doc = conv.openapi;
    Object.assign(report, { converted: true, patches: conv.patches, refSiblingFixes: conv.refSiblingFixes });
    if (overlay) {
      const overlayDoc = parseDocument(await readFile(path.resolve(cwd, overlay), "utf8"), path.basename(overlay));
      report.overlayLog = applyOverlay(doc, overlayDoc, { version: apiVersion, requireRationale: true });
    }
  } else if (isOpenApi3(input)) {
    doc = clone(input);
  } else {
    throw new Error(`${sourceName(source)} is neither Swagger 2.0 nor OpenAPI 3.0/3.1`);
  }
  return { doc, apiVersion, inputName: sourceName(source), report };
}
