// JSON Schema (OpenAPI 3.0 / 3.1 schema object) → zod v4 source, printed from the nodes of
// schema-ir.mjs (which validate.mjs prints as plain validator functions):
//
// - every named schema becomes `export const <Name>Schema`, emitted in dependency order
//   (Tarjan SCCs, dependencies first); references inside a cycle use a getter on the object
//   property (zod 4's recursive-object idiom) or `z.lazy` elsewhere;
// - objects are `z.looseObject` so unknown fields are kept; maps are `z.record`;
// - optional properties use `.exactOptional()` so parsed values are assignable to the
//   openapi-typescript types under `exactOptionalPropertyTypes`;
// - `nullable: true` (3.0) and `type: [..., 'null']` (3.1) become `.nullable()`;
// - int64/uint64 are plain `z.number()`: JSON.parse cannot represent them exactly and zod 4's
//   `.int()` rejects values beyond Number.MAX_SAFE_INTEGER (e.g. cgroup "unlimited" values);
// - constraints (pattern, min/max, formats) are not enforced: the schemas check shapes, not values;
// - property defaults become `.default(value)`; descriptions become a JSDoc line per export;
// - with `typesImport` (the openapi-typescript module next to it), each export is declared as
//   `z.ZodType<components["schemas"][Name]>`: the declaration files then name the type instead
//   of spelling out zod's inferred one (v1.41: ~300 KB less), and the compiler checks that what
//   the schema parses is assignable to the openapi-typescript type.

import { byCodeUnit } from "./util.mjs";
import { SchemaReader, emissionOrder, isPrimitive, schemaSummary, uniqueIdentifiers } from "./schema-ir.mjs";

export { stronglyConnected, toIdentifier } from "./schema-ir.mjs";

const IDENT_RE = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await".split(
    " ",
  ),
);

const propKey = (k) => (k === "__proto__" ? '["__proto__"]' : IDENT_RE.test(k) && !RESERVED.has(k) ? k : JSON.stringify(k));
const recordKey = (k) => (k === "__proto__" ? '["__proto__"]' : IDENT_RE.test(k) ? k : JSON.stringify(k));
const literal = (v) => JSON.stringify(v);

/** Prints nodes as zod source; tracks which named schemas are declared (for getters and z.lazy). */
class ZodPrinter {
  /** @param {Map<string, string>} constNames */
  constructor(constNames) {
    this.constNames = constNames;
    /** @type {Set<string>} names already emitted */
    this.declared = new Set();
  }

  /**
   * @param {import("./schema-ir.mjs").Node} node
   * @param {{ underProperty: boolean, deferredHit: boolean, lazyTop: boolean, indent: string }} st
   * @returns {string}
   */
  print(node, st) {
    switch (node.k) {
      case "unknown":
        return node.note === undefined ? "z.unknown()" : `z.unknown() /* ${node.note.replace(/\*\//g, "*\\/")} */`;
      case "never":
        return "z.never()";
      case "null":
        return "z.null()";
      case "string":
        return "z.string()";
      case "number":
        return "z.number()";
      case "int":
        return "z.number().int()";
      case "boolean":
        return "z.boolean()";
      case "literal": {
        const values = node.values;
        if (values.length === 1) return `z.literal(${literal(values[0])})`;
        if (values.every((v) => typeof v === "string")) return `z.enum([${values.map(literal).join(", ")}])`;
        return `z.literal([${values.map(literal).join(", ")}])`;
      }
      case "array":
        return `z.array(${this.print(node.items, st)})`;
      case "object":
        return this.printObject(node, st);
      case "ref": {
        const target = this.constNames.get(node.name);
        if (this.declared.has(node.name)) return target;
        if (st.underProperty) {
          st.deferredHit = true;
          return target;
        }
        st.lazyTop = true;
        return `z.lazy(() => ${target})`;
      }
      case "union":
        return `z.union([${node.members.map((m) => this.print(m, st)).join(", ")}])`;
      case "intersection":
        return `z.intersection(${this.print(node.left, st)}, ${this.print(node.right, st)})`;
      case "nullable":
        return `${this.print(node.inner, st)}.nullable()`;
      default:
        throw new Error(`unknown node kind ${node.k}`);
    }
  }

  printObject(node, st) {
    if (node.props.length === 0)
      return node.rest === undefined ? "z.looseObject({})" : `z.record(z.string(), ${this.print(node.rest, st)})`;
    const inner = `${st.indent}  `;
    const lines = [];
    for (const prop of node.props) {
      const pst = { underProperty: true, deferredHit: false, lazyTop: false, indent: inner };
      let code = this.print(prop.node, pst);
      if (prop.presence === "default") {
        const d = prop.default;
        code += isPrimitive(d) ? `.default(${literal(d)})` : `.default(() => (${literal(d)}))`;
      } else if (prop.presence === "optional") {
        code += ".exactOptional()";
      }
      if (pst.lazyTop) st.lazyTop = true;
      const key = propKey(prop.name);
      lines.push(pst.deferredHit ? `${inner}get ${key}() {\n${inner}  return ${code};\n${inner}},` : `${inner}${key}: ${code},`);
    }
    const shape = `{\n${lines.join("\n")}\n${st.indent}}`;
    if (node.rest !== undefined) return `z.object(${shape}).catchall(${this.print(node.rest, st)})`;
    return `z.looseObject(${shape})`;
  }
}

/**
 * Generates a zod v4 module for a map of named schemas (e.g. `components.schemas`).
 * @param {Record<string, any>} schemas
 * @param {{ header?: string, zodImport?: string, typescript?: boolean, root?: any, typesImport?: string }} [options]
 *   `zodImport`: module specifier of zod; `typescript: false` avoids all TypeScript-only syntax
 *   (the output is then valid JavaScript too); `root`: the whole document, to resolve other refs;
 *   `typesImport`: module specifier of the openapi-typescript types of the same document, to
 *   declare every export as `z.ZodType<components["schemas"][Name]>` (TypeScript only).
 * @returns {string}
 */
export function generateZodModule(schemas, { header = "", zodImport = "zod", typescript = true, root, typesImport } = {}) {
  schemas = schemas ?? {};
  const names = Object.keys(schemas);
  const constNames = uniqueIdentifiers(names, { suffix: "Schema", reserved: ["schemas", "z"] });
  const reader = new SchemaReader(schemas, { root });
  const printer = new ZodPrinter(constNames);
  const typed = typescript && typesImport !== undefined;
  const out = [header, `import { z } from ${JSON.stringify(zodImport)};\n`];
  if (typed) out.push(`import type { components } from ${JSON.stringify(typesImport)};\n`);
  for (const scc of emissionOrder(schemas)) {
    for (const name of scc) {
      const st = { underProperty: false, deferredHit: false, lazyTop: false, indent: "" };
      const code = printer.print(reader.read(schemas[name]), st);
      // A top-level z.lazy on a schema of the same cycle defeats inference (TS7022): annotate.
      const annotation = typed
        ? `: z.ZodType<components["schemas"][${JSON.stringify(name)}]>`
        : typescript && st.lazyTop
          ? ": z.ZodType"
          : "";
      const doc = schemaSummary(schemas[name]);
      out.push(`\n${doc ? `/** ${doc} */\n` : ""}export const ${constNames.get(name)}${annotation} = ${code};\n`);
      printer.declared.add(name);
    }
  }
  const entries = names
    .sort(byCodeUnit)
    .map((n) => `  ${recordKey(n)}: ${constNames.get(n)},`)
    .join("\n");
  // Typed by a mapped type when typed: otherwise the declaration spells out every schema's type again.
  const recordType = typed ? `: { [Name in keyof components["schemas"]]: z.ZodType<components["schemas"][Name]> }` : "";
  out.push(
    `\n/** Every schema above, by its OpenAPI name. */\nexport const schemas${recordType} = {${entries ? `\n${entries}\n` : ""}};\n`,
  );
  return out.join("");
}

/** The zod source of a single schema (no named references), for tests and debugging. */
export function schemaToZod(schema, { schemas = {}, root } = {}) {
  const printer = new ZodPrinter(uniqueIdentifiers(Object.keys(schemas), { suffix: "Schema", reserved: ["schemas", "z"] }));
  for (const n of Object.keys(schemas)) printer.declared.add(n);
  return printer.print(new SchemaReader(schemas, { root }).read(schema), {
    underProperty: false,
    deferredHit: false,
    lazyTop: false,
    indent: "",
  });
}
