// A small JSON Schema (OpenAPI 3.0 / 3.1 schema object) → zod v4 source converter.
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
// - property defaults become `.default(value)`; descriptions become a JSDoc line per export.

import { byCodeUnit, isPlainObject } from "./util.mjs";

const IDENT_RE = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await".split(
    " ",
  ),
);

/** A safe identifier prefix for a schema name ("Foo.Bar-1" → "Foo_Bar_1"). */
export function toIdentifier(name) {
  let id = String(name).replace(/[^\w$]/g, "_");
  if (!/^[A-Za-z_$]/.test(id)) id = `_${id}`;
  return id;
}

const propKey = (k) => (k === "__proto__" ? '["__proto__"]' : IDENT_RE.test(k) && !RESERVED.has(k) ? k : JSON.stringify(k));
const recordKey = (k) => (k === "__proto__" ? '["__proto__"]' : IDENT_RE.test(k) ? k : JSON.stringify(k));
const literal = (v) => JSON.stringify(v);
const isPrimitive = (v) => v === null || ["string", "number", "boolean"].includes(typeof v);

/** First paragraph of a description, on one line, at most ~200 characters. */
function summary(text) {
  if (typeof text !== "string") return "";
  const para = text
    .trim()
    .split(/\n\s*\n/)[0]
    .replace(/\s+/g, " ")
    .trim();
  const cut = para.length > 200 ? `${para.slice(0, 200).replace(/\s+\S*$/, "")}…` : para;
  return cut.replace(/\*\//g, "*\\/");
}

/** Names referenced by `$ref`s that point at named schemas (e.g. `#/components/schemas/X`). */
const REF_PREFIXES = ["#/components/schemas/", "#/definitions/", "#/$defs/"];
function refName(ref) {
  for (const p of REF_PREFIXES) {
    if (ref.startsWith(p)) {
      const rest = ref.slice(p.length);
      if (!rest.includes("/")) return decodeURIComponent(rest.replace(/~1/g, "/").replace(/~0/g, "~"));
    }
  }
  return undefined;
}

function resolvePointer(root, ref) {
  if (!root || !ref.startsWith("#/")) return undefined;
  let cur = root;
  for (const raw of ref.slice(2).split("/")) {
    const k = decodeURIComponent(raw.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
    cur = cur[k];
    if (cur === undefined) return undefined;
  }
  return cur;
}

function collectRefs(schema, out = new Set()) {
  if (Array.isArray(schema)) for (const s of schema) collectRefs(s, out);
  else if (isPlainObject(schema)) {
    for (const [k, v] of Object.entries(schema)) {
      if (k === "$ref" && typeof v === "string") {
        const n = refName(v);
        if (n !== undefined) out.add(n);
      } else if (k !== "example" && k !== "examples" && k !== "default" && k !== "enum" && k !== "const") {
        collectRefs(v, out);
      }
    }
  }
  return out;
}

/** Tarjan's strongly connected components; SCCs come out dependencies-first. Deterministic. */
export function stronglyConnected(names, edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...(edges.get(v) ?? [])].sort(byCodeUnit)) {
      if (!edges.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      out.push(scc.sort(byCodeUnit));
    }
  };
  for (const n of [...names].sort(byCodeUnit)) if (!idx.has(n)) visit(n);
  return out;
}

class Converter {
  /**
   * @param {Record<string, any>} schemas
   * @param {{ root?: any }} options
   */
  constructor(schemas, { root } = {}) {
    this.schemas = schemas;
    this.root = root;
    /** @type {Map<string, string>} schema name → exported const name */
    this.constNames = new Map();
    const used = new Set(["schemas", "z"]);
    for (const name of Object.keys(schemas).sort(byCodeUnit)) {
      let base = `${toIdentifier(name)}Schema`;
      let candidate = base;
      for (let i = 2; used.has(candidate); i++) candidate = `${base}${i}`;
      used.add(candidate);
      this.constNames.set(name, candidate);
    }
    /** @type {Set<string>} names already emitted */
    this.declared = new Set();
    this.inlineDepth = 0;
  }

  /**
   * @param {any} schema
   * @param {{ underProperty: boolean, deferredHit: boolean, lazyTop: boolean, indent: string }} st
   */
  conv(schema, st) {
    if (schema === true || schema === undefined) return "z.unknown()";
    if (schema === false) return "z.never()";
    if (!isPlainObject(schema)) return "z.unknown()";

    if (typeof schema.$ref === "string") {
      // OpenAPI 3.0 ignores siblings of $ref (and so does openapi-typescript).
      const name = refName(schema.$ref);
      if (name !== undefined && this.constNames.has(name)) {
        const target = this.constNames.get(name);
        if (this.declared.has(name)) return target;
        if (st.underProperty) {
          st.deferredHit = true;
          return target;
        }
        st.lazyTop = true;
        return `z.lazy(() => ${target})`;
      }
      const resolved = resolvePointer(this.root, schema.$ref);
      if (resolved !== undefined && this.inlineDepth < 8) {
        this.inlineDepth++;
        try {
          return this.conv(resolved, st);
        } finally {
          this.inlineDepth--;
        }
      }
      return `z.unknown() /* unresolved ${schema.$ref.replace(/\*\//g, "*\\/")} */`;
    }

    let types = Array.isArray(schema.type) ? [...schema.type] : schema.type !== undefined ? [schema.type] : [];
    if (types.length > 0 && types.every((t) => t === "null")) return "z.null()";
    let nullable = schema.nullable === true || types.includes("null");
    types = types.filter((t) => t !== "null");

    /** @type {string[]} */
    const parts = [];

    // Own type (or inferred from keywords).
    let own = null;
    if (schema.const !== undefined && isPrimitive(schema.const)) {
      own = schema.const === null ? "z.null()" : `z.literal(${literal(schema.const)})`;
    } else if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every(isPrimitive)) {
      const values = schema.enum.filter((v) => v !== null);
      if (values.length < schema.enum.length) nullable = true;
      const uniq = [...new Map(values.map((v) => [literal(v), v])).values()];
      if (uniq.length === 0) own = "z.null()";
      else if (uniq.length === 1) own = `z.literal(${literal(uniq[0])})`;
      else if (uniq.every((v) => typeof v === "string")) own = `z.enum([${uniq.map(literal).join(", ")}])`;
      else own = `z.literal([${uniq.map(literal).join(", ")}])`;
    } else {
      if (types.length === 0) {
        if (isPlainObject(schema.properties) || schema.additionalProperties !== undefined || Array.isArray(schema.required))
          types = ["object"];
        else if (schema.items !== undefined) types = ["array"];
      }
      const variants = types.map((t) => this.convType(t, schema, st));
      if (variants.length === 1) own = variants[0];
      else if (variants.length > 1) own = `z.union([${variants.join(", ")}])`;
    }
    const hasComposition = ["allOf", "oneOf", "anyOf"].some((k) => Array.isArray(schema[k]) && schema[k].length > 0);
    // A bare `type: object` next to allOf/oneOf adds nothing but an empty loose object.
    const ownIsTrivial = own === "z.looseObject({})" && hasComposition;
    if (own !== null && !ownIsTrivial) parts.push(own);

    if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
      for (const s of schema.allOf) parts.push(this.conv(s, st));
    }
    for (const k of ["oneOf", "anyOf"]) {
      if (Array.isArray(schema[k]) && schema[k].length > 0) {
        const members = schema[k].map((s) => this.conv(s, st));
        // A `{type: 'null'}` member (3.1 style) just means nullable.
        const nonNull = members.filter((m) => m !== "z.null()");
        if (nonNull.length < members.length) nullable = true;
        if (nonNull.length === 1) parts.push(nonNull[0]);
        else if (nonNull.length > 1) parts.push(`z.union([${nonNull.join(", ")}])`);
      }
    }

    let code;
    if (parts.length === 0) code = "z.unknown()";
    else code = parts.reduce((acc, p) => (acc === null ? p : `z.intersection(${acc}, ${p})`), null);
    if (nullable && code !== "z.unknown()" && code !== "z.null()") code = `${code}.nullable()`;
    return code;
  }

  convType(type, schema, st) {
    switch (type) {
      case "string":
        // binary payloads are not JSON strings; anything goes.
        return schema.format === "binary" ? "z.unknown()" : "z.string()";
      case "integer":
        return ["int64", "uint64"].includes(schema.format) ? "z.number()" : "z.number().int()";
      case "number":
        return "z.number()";
      case "boolean":
        return "z.boolean()";
      case "null":
        return "z.null()";
      case "array": {
        const items = Array.isArray(schema.items) ? undefined : schema.items;
        return `z.array(${items === undefined ? "z.unknown()" : this.conv(items, st)})`;
      }
      case "object":
        return this.convObject(schema, st);
      default:
        return "z.unknown()";
    }
  }

  convObject(schema, st) {
    const props = isPlainObject(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const ap = schema.additionalProperties;
    const apIsSchema = isPlainObject(ap) && Object.keys(ap).length > 0;
    const names = Object.keys(props);
    // Required names without a property schema are still required (as unknown values).
    for (const r of required) if (!names.includes(r)) names.push(r);

    if (names.length === 0) {
      if (apIsSchema) return `z.record(z.string(), ${this.conv(ap, st)})`;
      return "z.looseObject({})";
    }
    const inner = `${st.indent}  `;
    const lines = [];
    for (const name of names) {
      const ps = props[name];
      const pst = { underProperty: true, deferredHit: false, lazyTop: false, indent: inner };
      let code = ps === undefined ? "z.unknown()" : this.conv(ps, pst);
      const hasDefault = isPlainObject(ps) && ps.$ref === undefined && ps.default !== undefined;
      if (hasDefault) {
        const d = ps.default;
        code += isPrimitive(d) ? `.default(${literal(d)})` : `.default(() => (${literal(d)}))`;
      } else if (!required.has(name)) {
        code += ".exactOptional()";
      }
      if (pst.lazyTop) st.lazyTop = true;
      lines.push(
        pst.deferredHit ? `${inner}get ${propKey(name)}() {\n${inner}  return ${code};\n${inner}},` : `${inner}${propKey(name)}: ${code},`,
      );
    }
    const shape = `{\n${lines.join("\n")}\n${st.indent}}`;
    if (apIsSchema) return `z.object(${shape}).catchall(${this.conv(ap, st)})`;
    return `z.looseObject(${shape})`;
  }

  /** Source of one `export const`. */
  emit(name, typescript) {
    const schema = this.schemas[name];
    const st = { underProperty: false, deferredHit: false, lazyTop: false, indent: "" };
    const code = this.conv(schema, st);
    const constName = this.constNames.get(name);
    const doc = summary(isPlainObject(schema) ? (schema.description ?? schema.title) : undefined);
    // A top-level z.lazy on a schema of the same cycle defeats inference (TS7022): annotate.
    const annotation = typescript && st.lazyTop ? ": z.ZodType" : "";
    const comment = doc ? `/** ${doc} */\n` : "";
    return `${comment}export const ${constName}${annotation} = ${code};\n`;
  }
}

/**
 * Generates a zod v4 module for a map of named schemas (e.g. `components.schemas`).
 * @param {Record<string, any>} schemas
 * @param {{ header?: string, zodImport?: string, typescript?: boolean, root?: any }} [options]
 *   `zodImport`: module specifier of zod; `typescript: false` avoids all TypeScript-only syntax
 *   (the output is then valid JavaScript too); `root`: the whole document, to resolve other refs.
 * @returns {string}
 */
export function generateZodModule(schemas, { header = "", zodImport = "zod", typescript = true, root } = {}) {
  const conv = new Converter(schemas ?? {}, { root });
  const names = Object.keys(schemas ?? {});
  const edges = new Map(names.map((n) => [n, collectRefs(schemas[n])]));
  const out = [header, `import { z } from ${JSON.stringify(zodImport)};\n`];
  for (const scc of stronglyConnected(names, edges)) {
    for (const name of scc) {
      out.push(`\n${conv.emit(name, typescript)}`);
      conv.declared.add(name);
    }
  }
  const entries = names
    .sort(byCodeUnit)
    .map((n) => `  ${recordKey(n)}: ${conv.constNames.get(n)},`)
    .join("\n");
  out.push(`\n/** Every schema above, by its OpenAPI name. */\nexport const schemas = {${entries ? `\n${entries}\n` : ""}};\n`);
  return out.join("");
}

/** The zod source of a single schema (no named references), for tests and debugging. */
export function schemaToZod(schema, { schemas = {}, root } = {}) {
  const conv = new Converter(schemas, { root });
  for (const n of Object.keys(schemas)) conv.declared.add(n);
  return conv.conv(schema, { underProperty: false, deferredHit: false, lazyTop: false, indent: "" });
}
