// JSON Schema (OpenAPI 3.0 / 3.1 schema object) → a small intermediate form that both emitters
// print: zod.mjs (zod v4 schemas) and validate.mjs (dependency-free validator functions). One
// reading of the schema for both keeps their semantics identical by construction.
//
// Nodes (`k` is the kind):
//   { k: "unknown", note? }         anything (`note`: why, e.g. an unresolved $ref)
//   { k: "never" } | { k: "null" } | { k: "string" } | { k: "number" } | { k: "int" } | { k: "boolean" }
//   { k: "literal", values }        one of these primitives (never null: that is `nullable`)
//   { k: "array", items }
//   { k: "object", props, rest? }   loose object; `props`: [{ name, node, presence, default? }] with
//                                   presence "required" | "optional" (key may be absent, but not
//                                   `undefined`) | "default" (absent or undefined: the default);
//                                   `rest`: schema of the other values (a record when no props)
//   { k: "ref", name }              a named schema
//   { k: "union", members } | { k: "intersection", left, right } | { k: "nullable", inner }
//
// The reading rules (what zod.mjs documents): $ref siblings are ignored; `nullable: true`, a
// `null` type, a null enum value or a `{type: null}` member of oneOf/anyOf make a node nullable;
// int64/uint64 integers are plain numbers; `format: binary` strings are unknown; constraints
// (pattern, min/max, formats) are not read; defaults of non-$ref properties are kept.

import { byCodeUnit, isPlainObject } from "./util.mjs";

/** @typedef {{ k: string, [key: string]: any }} Node */

export const isPrimitive = (v) => v === null || ["string", "number", "boolean"].includes(typeof v);

/** A safe identifier prefix for a schema name ("Foo.Bar-1" → "Foo_Bar_1"). */
export function toIdentifier(name) {
  let id = String(name).replace(/[^\w$]/g, "_");
  if (!/^[A-Za-z_$]/.test(id)) id = `_${id}`;
  return id;
}

/**
 * One unique identifier per schema name: `${prefix}${toIdentifier(name)}${suffix}`, numbered
 * on collisions in name order (so the result does not depend on the input's key order).
 * @param {string[]} names
 * @param {{ prefix?: string, suffix?: string, reserved?: Iterable<string> }} options
 */
export function uniqueIdentifiers(names, { prefix = "", suffix = "", reserved = [] } = {}) {
  const used = new Set(reserved);
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const name of [...names].sort(byCodeUnit)) {
    const base = `${prefix}${toIdentifier(name)}${suffix}`;
    let candidate = base;
    for (let i = 2; used.has(candidate); i++) candidate = `${base}${i}`;
    used.add(candidate);
    out.set(name, candidate);
  }
  return out;
}

/** First paragraph of a description, on one line, at most ~200 characters, safe inside a comment. */
export function summary(text) {
  if (typeof text !== "string") return "";
  const para = text
    .trim()
    .split(/\n\s*\n/)[0]
    .replace(/\s+/g, " ")
    .trim();
  const cut = para.length > 200 ? `${para.slice(0, 200).replace(/\s+\S*$/, "")}…` : para;
  return cut.replace(/\*\//g, "*\\/");
}

/** The doc summary of a named schema (its description, else its title). */
export const schemaSummary = (schema) => summary(isPlainObject(schema) ? (schema.description ?? schema.title) : undefined);

const REF_PREFIXES = ["#/components/schemas/", "#/definitions/", "#/$defs/"];

/** The schema name a `$ref` points at (e.g. `#/components/schemas/X` → `X`), if it names one. */
export function refName(ref) {
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

/** Names referenced by `$ref`s that point at named schemas. */
export function collectRefs(schema, out = new Set()) {
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

/** Named schemas in emission order: strongly connected groups, dependencies first. */
export function emissionOrder(schemas) {
  const names = Object.keys(schemas);
  const edges = new Map(names.map((n) => [n, collectRefs(schemas[n])]));
  return stronglyConnected(names, edges);
}

const UNKNOWN = Object.freeze({ k: "unknown" });
const isTrivialObject = (n) => n.k === "object" && n.props.length === 0 && n.rest === undefined;

/** Reads JSON Schemas into nodes. `schemas`: the named schemas refs may point at; `root`: the document, for other refs. */
export class SchemaReader {
  /** @param {Record<string, any>} schemas @param {{ root?: any }} [options] */
  constructor(schemas, { root } = {}) {
    this.schemas = schemas;
    this.root = root;
    this.inlineDepth = 0;
  }

  /** @returns {Node} */
  read(schema) {
    if (schema === true || schema === undefined) return UNKNOWN;
    if (schema === false) return { k: "never" };
    if (!isPlainObject(schema)) return UNKNOWN;

    if (typeof schema.$ref === "string") {
      // OpenAPI 3.0 ignores siblings of $ref (and so does openapi-typescript).
      const name = refName(schema.$ref);
      if (name !== undefined && Object.prototype.hasOwnProperty.call(this.schemas, name)) return { k: "ref", name };
      const resolved = resolvePointer(this.root, schema.$ref);
      if (resolved !== undefined && this.inlineDepth < 8) {
        this.inlineDepth++;
        try {
          return this.read(resolved);
        } finally {
          this.inlineDepth--;
        }
      }
      return { k: "unknown", note: `unresolved ${schema.$ref}` };
    }

    let types = Array.isArray(schema.type) ? [...schema.type] : schema.type !== undefined ? [schema.type] : [];
    if (types.length > 0 && types.every((t) => t === "null")) return { k: "null" };
    let nullable = schema.nullable === true || types.includes("null");
    types = types.filter((t) => t !== "null");

    /** @type {Node[]} */
    const parts = [];

    // Own type (or inferred from keywords).
    /** @type {Node | null} */
    let own = null;
    if (schema.const !== undefined && isPrimitive(schema.const)) {
      own = schema.const === null ? { k: "null" } : { k: "literal", values: [schema.const] };
    } else if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every(isPrimitive)) {
      const values = schema.enum.filter((v) => v !== null);
      if (values.length < schema.enum.length) nullable = true;
      const uniq = [...new Map(values.map((v) => [JSON.stringify(v), v])).values()];
      own = uniq.length === 0 ? { k: "null" } : { k: "literal", values: uniq };
    } else {
      if (types.length === 0) {
        if (isPlainObject(schema.properties) || schema.additionalProperties !== undefined || Array.isArray(schema.required))
          types = ["object"];
        else if (schema.items !== undefined) types = ["array"];
      }
      const variants = types.map((t) => this.readType(t, schema));
      if (variants.length === 1) own = variants[0];
      else if (variants.length > 1) own = { k: "union", members: variants };
    }
    const hasComposition = ["allOf", "oneOf", "anyOf"].some((k) => Array.isArray(schema[k]) && schema[k].length > 0);
    // A bare `type: object` next to allOf/oneOf adds nothing but an empty loose object.
    if (own !== null && !(hasComposition && isTrivialObject(own))) parts.push(own);

    if (Array.isArray(schema.allOf)) for (const s of schema.allOf) parts.push(this.read(s));
    for (const k of ["oneOf", "anyOf"]) {
      if (Array.isArray(schema[k]) && schema[k].length > 0) {
        const members = schema[k].map((s) => this.read(s));
        // A `{type: 'null'}` member (3.1 style) just means nullable.
        const nonNull = members.filter((m) => m.k !== "null");
        if (nonNull.length < members.length) nullable = true;
        if (nonNull.length === 1) parts.push(nonNull[0]);
        else if (nonNull.length > 1) parts.push({ k: "union", members: nonNull });
      }
    }

    /** @type {Node} */
    let node =
      parts.length === 0 ? UNKNOWN : parts.reduce((acc, p) => (acc === null ? p : { k: "intersection", left: acc, right: p }), null);
    if (nullable && !(node.k === "unknown" && node.note === undefined) && node.k !== "null") node = { k: "nullable", inner: node };
    return node;
  }

  /** @returns {Node} */
  readType(type, schema) {
    switch (type) {
      case "string":
        // binary payloads are not JSON strings; anything goes.
        return schema.format === "binary" ? UNKNOWN : { k: "string" };
      case "integer":
        return ["int64", "uint64"].includes(schema.format) ? { k: "number" } : { k: "int" };
      case "number":
        return { k: "number" };
      case "boolean":
        return { k: "boolean" };
      case "null":
        return { k: "null" };
      case "array": {
        const items = Array.isArray(schema.items) ? undefined : schema.items;
        return { k: "array", items: items === undefined ? UNKNOWN : this.read(items) };
      }
      case "object":
        return this.readObject(schema);
      default:
        return UNKNOWN;
    }
  }

  /** @returns {Node} */
  readObject(schema) {
    const props = isPlainObject(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const ap = schema.additionalProperties;
    const apIsSchema = isPlainObject(ap) && Object.keys(ap).length > 0;
    const names = Object.keys(props);
    // Required names without a property schema are still required (as unknown values).
    for (const r of required) if (!names.includes(r)) names.push(r);
    const rest = apIsSchema ? this.read(ap) : undefined;
    const out = [];
    for (const name of names) {
      const ps = props[name];
      const node = ps === undefined ? UNKNOWN : this.read(ps);
      if (isPlainObject(ps) && ps.$ref === undefined && ps.default !== undefined) {
        out.push({ name, node, presence: "default", default: ps.default });
      } else {
        out.push({ name, node, presence: required.has(name) ? "required" : "optional" });
      }
    }
    return rest === undefined ? { k: "object", props: out } : { k: "object", props: out, rest };
  }
}
