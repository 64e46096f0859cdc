// Rendering the output files of one API version from the final OpenAPI 3 document.

import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { generateValidatorModule } from "./validate.mjs";
import { renderMethodsTs } from "./methods.mjs";
import { generateZodModule } from "./zod.mjs";
import { sortKeysDeep, stableJson, tsHeader } from "./util.mjs";

/** Files written for each API version in the `ts` format, in the order they are written. */
export const OUTPUT_FILES = ["openapi.json", "schema.ts", "validate.ts", "zod.ts", "methods.ts", "index.ts"];

/**
 * Output formats: `ts` (TypeScript sources, for a project that compiles or bundles them; what
 * berth's own generated/ holds) and `js` (JavaScript modules with `.d.ts` declarations beside
 * them, which Node, Bun and Deno load as they are: no TypeScript loader, no `--sloppy-imports`).
 */
export const OUTPUT_FORMATS = Object.freeze(["js", "ts"]);

const ref = (name, args = []) => ts.factory.createTypeReferenceNode(name, args);
/**
 * What a `format: binary` request body accepts. openapi-typescript would say `string`, which is
 * wrong for tar archives and other binary uploads; openapi-fetch passes these through to fetch.
 */
const binaryBodyType = () =>
  ts.factory.createUnionTypeNode([
    ref("Blob"),
    ref("ReadableStream", [ref("Uint8Array")]),
    ref("Uint8Array"),
    ts.factory.createKeywordTypeNode(ts.SyntaxKind.StringKeyword),
  ]);

/** openapi-typescript options chosen for openapi-fetch and strict TypeScript. */
export const OPENAPI_TS_OPTIONS = Object.freeze({
  alphabetize: true, // stable output independent of the input's key order
  immutable: false, // openapi-fetch request bodies are built by callers; readonly gets in the way
  defaultNonNullable: false, // a documented default does not mean the daemon always sends the field
  emptyObjectsUnknown: true, // `type: object` without properties is "any object", not `Record<string, never>`
  additionalProperties: false,
  enum: false, // types only; no runtime enums
  exportType: false, // `export interface` for paths/components/operations
  pathParamsAsTypes: false, // openapi-fetch wants literal path keys like "/containers/{id}/json"
  rootTypes: false,
  excludeDeprecated: false,
  silent: true,
});

/** TypeScript types (openapi-typescript) of the document. */
export async function renderSchemaTs(doc, inputName) {
  const ast = await openapiTS(structuredClone(doc), {
    ...OPENAPI_TS_OPTIONS,
    transform(schemaObject, metadata) {
      if (schemaObject?.format === "binary" && schemaObject.type === "string" && /\/requestBody(\/|$)/.test(metadata.path ?? "")) {
        const t = binaryBodyType();
        return schemaObject.nullable ? ts.factory.createUnionTypeNode([t, ts.factory.createLiteralTypeNode(ts.factory.createNull())]) : t;
      }
      return undefined;
    },
  });
  return `${tsHeader(inputName)}\n${astToString(ast).trimEnd()}\n`;
}

/**
 * Renders all files of one version as a `{ fileName: contents }` map. `zod: false` leaves out
 * zod.ts (a project without zod then type-checks); `format: "js"` compiles the TypeScript files
 * (see OUTPUT_FORMATS).
 */
export async function renderVersion(doc, { apiVersion, inputName, overlayName, format = "ts", zod = true }) {
  if (!OUTPUT_FORMATS.includes(format))
    throw new Error(`unknown output format ${JSON.stringify(format)}: expected ${OUTPUT_FORMATS.join(" or ")}`);
  const sorted = sortKeysDeep({
    ...doc,
    "x-generated-by": `scripts/generate.mjs from ${inputName}${overlayName ? ` with ${overlayName}` : ""} — do not edit`,
  });
  const schemas = sorted.components?.schemas ?? {};
  const schemaTs = await renderSchemaTs(sorted, inputName);
  const header = `${tsHeader(inputName)}\n`;
  const validateTs = generateValidatorModule(schemas, { header, root: sorted, typesImport: "./schema.js" });
  const zodTs = zod ? generateZodModule(schemas, { header, root: sorted, typesImport: "./schema.js" }) : undefined;
  // The entry point needs no zod: the zod schemas are a module of their own (zod.ts).
  const indexTs = [
    tsHeader(inputName),
    `/** Docker Engine API version these types and validators describe. */`,
    `export const apiVersion = ${JSON.stringify(apiVersion)};`,
    "",
    `export type { components, operations, paths } from "./schema.js";`,
    `export * from "./validate.js";`,
    `export { definition, methods, operationCount } from "./methods.js";`,
    `export type { Definition } from "./methods.js";`,
    "",
  ].join("\n");
  const sources = {
    "schema.ts": schemaTs,
    "validate.ts": validateTs,
    ...(zodTs === undefined ? {} : { "zod.ts": zodTs }),
    "methods.ts": renderMethodsTs(sorted, { apiVersion, header }),
    "index.ts": indexTs,
  };
  return { "openapi.json": stableJson(sorted), ...(format === "js" ? compileModules(sources, header) : sources) };
}

/** Compiler options of the `js` format: what the TypeScript sources are written for. */
const COMPILE_OPTIONS = Object.freeze({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  declaration: true,
  strict: true,
  skipLibCheck: true,
  noLib: true,
  types: [],
  noResolve: false,
  removeComments: false,
  newLine: ts.NewLineKind.LineFeed,
});

/**
 * Compiles `{ "x.ts": source }` in memory into `x.js` + `x.d.ts` (a module of types only, like
 * schema.ts, becomes its `.d.ts` alone). Each `.js` names its declarations with a
 * `@ts-self-types` comment, which is how Deno finds the types of a JavaScript module; each
 * `.d.ts` starts with `header` (tsc drops a file's first comment from declarations). Imports
 * between the files are not resolved outside this set (zod stays a bare import).
 */
export function compileModules(sources, header = "") {
  const dir = "/berth-generated";
  const inMemory = new Map(Object.entries(sources).map(([name, text]) => [`${dir}/${name}`, text]));
  const out = {};
  const host = {
    getSourceFile: (fileName, languageVersion) =>
      inMemory.has(fileName) ? ts.createSourceFile(fileName, inMemory.get(fileName), languageVersion, true) : undefined,
    writeFile: (fileName, text) => {
      out[fileName.slice(dir.length + 1)] = text;
    },
    getDefaultLibFileName: () => "lib.d.ts",
    getCurrentDirectory: () => dir,
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (f) => inMemory.has(f),
    readFile: (f) => inMemory.get(f),
    directoryExists: (d) => d === dir,
    getDirectories: () => [],
  };
  const program = ts.createProgram([...inMemory.keys()], COMPILE_OPTIONS, host);
  const result = program.emit();
  if (result.emitSkipped) throw new Error("compiling the generated modules to JavaScript failed");
  const files = {};
  for (const name of Object.keys(sources)) {
    const base = name.replace(/\.ts$/, "");
    const js = out[`${base}.js`];
    const dts = out[`${base}.d.ts`];
    if (dts === undefined) throw new Error(`no declarations were emitted for ${name}`);
    // openapi-typescript's module holds types only: its JavaScript would be empty.
    if (js !== undefined && base !== "schema") files[`${base}.js`] = `// @ts-self-types="./${base}.d.ts"\n${js}`;
    files[`${base}.d.ts`] = `${header}${dts}`;
  }
  return files;
}
