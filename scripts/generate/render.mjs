// Rendering the output files of one API version from the final OpenAPI 3 document.

import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { generateValidatorModule } from "./validate.mjs";
import { renderMethodsTs } from "./methods.mjs";
import { generateZodModule } from "./zod.mjs";
import { sortKeysDeep, stableJson, tsHeader } from "./util.mjs";

/** Files written for each API version, in the order they are written. */
export const OUTPUT_FILES = ["openapi.json", "schema.ts", "validate.ts", "zod.ts", "methods.ts", "index.ts"];

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

/** Renders all files of one version as a `{ fileName: contents }` map. */
export async function renderVersion(doc, { apiVersion, inputName, overlayName }) {
  const sorted = sortKeysDeep({
    ...doc,
    "x-generated-by": `scripts/generate.mjs from ${inputName}${overlayName ? ` with ${overlayName}` : ""} — do not edit`,
  });
  const schemas = sorted.components?.schemas ?? {};
  const schemaTs = await renderSchemaTs(sorted, inputName);
  const header = `${tsHeader(inputName)}\n`;
  const validateTs = generateValidatorModule(schemas, { header, root: sorted, typesImport: "./schema.js" });
  const zodTs = generateZodModule(schemas, { header, root: sorted, typesImport: "./schema.js" });
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
  return {
    "openapi.json": stableJson(sorted),
    "schema.ts": schemaTs,
    "validate.ts": validateTs,
    "zod.ts": zodTs,
    "methods.ts": renderMethodsTs(sorted, { apiVersion, header }),
    "index.ts": indexTs,
  };
}
