// JSON Schema → plain, dependency-free validator functions (generated/v<X.Y>/validate.ts),
// printed from the same nodes as the zod schemas (schema-ir.mjs), with the same acceptance:
//
// - objects are loose: unknown keys are allowed and left alone; maps check every value;
// - a required key must be present; an optional one may be absent, but not present with the
//   value `undefined` (zod's `exactOptional`); a key with a default may be absent or undefined;
// - nullable, arrays, literals/enums, integers (safe integers, as zod's `.int()`), numbers
//   (finite, as zod's `z.number()`), unions (oneOf/anyOf), intersections (allOf) and refs
//   (one function per named schema, so recursion is a function call) as in zod.mjs.
//
// They check only: no defaults are filled in and nothing is copied. Each validator is
// straight-line code over its input with no closure and no allocation while the value matches;
// it returns at the first mismatch, unless given an `issues` array, in which case it goes on and
// appends every mismatch as `{ path, code, message }` with zod's codes and wording.
//
// Known differences from zod, none of which a JSON.parse result can show: zod also refuses an
// allOf whose parts' parsed outputs cannot be merged (e.g. a key present with the value undefined
// where one part fills in a default, or NaN), and a map (`z.record`) holding symbol keys or
// built from a class other than Object; objects' keys are enumerated with `for...in`.

import ts from "typescript";
import { SchemaReader, emissionOrder, schemaSummary, uniqueIdentifiers } from "./schema-ir.mjs";
import { byCodeUnit } from "./util.mjs";

const IDENT_RE = /^[A-Za-z_$][\w$]*$/;

/** zod's `stringifyPrimitive`, for the messages of literal mismatches. */
const zodPrimitive = (v) => (typeof v === "string" ? `"${v}"` : `${v}`);

/** The runtime part every generated module carries. */
const RUNTIME_TS = `/** One reason a value does not match its schema. */
export interface ValidationIssue {
  /** Keys and indices from the checked value down to the mismatch (empty: the value itself). */
  path: (string | number)[];
  /** zod's issue code: \`invalid_type\`, \`invalid_value\`, \`invalid_union\`, \`too_big\` or \`too_small\`. */
  code: string;
  /** zod's wording, e.g. \`Invalid input: expected string, received number\`. */
  message: string;
}

/**
 * Checks a value against one schema without changing it: true when it matches. When it does
 * not and \`issues\` is given, every mismatch found is appended to it (without \`issues\` the
 * check stops at the first one).
 */
export type Validator<T> = (value: unknown, issues?: ValidationIssue[]) => value is T;

type S = components["schemas"];
type Obj = { readonly [key: string]: unknown };
type Path = readonly (string | number)[];
type Issues = ValidationIssue[] | undefined;
type Key = string | number | undefined;

const ROOT: Path = [];

const $isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** zod's isPlainObject: what \`z.record\` accepts. */
function $isRecord(v: unknown): v is Obj {
  if (!$isObject(v)) return false;
  const ctor = v.constructor;
  if (ctor === undefined || typeof ctor !== "function") return true;
  const proto: unknown = ctor.prototype;
  return $isObject(proto) && Object.prototype.hasOwnProperty.call(proto, "isPrototypeOf");
}

/** The path of a child, when issues are collected (otherwise the paths are never read). */
const $at = (i: Issues, p: Path, k: string | number): Path => (i === undefined ? p : [...p, k]);

/** zod's name of the type of \`v\` in messages. */
function $received(v: unknown): string {
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? "number" : String(v);
  if (typeof v !== "object") return typeof v;
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  const proto: unknown = Object.getPrototypeOf(v);
  const ctor: unknown = "constructor" in v ? v.constructor : undefined;
  return proto !== Object.prototype && typeof ctor === "function" && ctor.name ? ctor.name : "object";
}

function $issue(i: Issues, p: Path, k: Key, code: string, message: string): false {
  if (i !== undefined) i.push({ path: k === undefined ? [...p] : [...p, k], code, message });
  return false;
}

const $type = (i: Issues, p: Path, k: Key, expected: string, v: unknown): false =>
  $issue(i, p, k, "invalid_type", \`Invalid input: expected \${expected}, received \${$received(v)}\`);

const $missing = (i: Issues, p: Path, k: Key): false => $issue(i, p, k, "invalid_type", "Invalid input: expected nonoptional, received undefined");

const $union = (i: Issues, p: Path, k: Key): false => $issue(i, p, k, "invalid_union", "Invalid input");

/**
 * A validator of arrays whose every item passes \`validate\` (an item's issues start with its
 * index). It returns a new function: build it once, not per check.
 */
export function arrayOf<T>(validate: Validator<T>): Validator<T[]> {
  return (value: unknown, issues?: ValidationIssue[]): value is T[] => {
    if (!Array.isArray(value)) return $type(issues, ROOT, undefined, "array", value);
    let ok = true;
    for (let k = 0; k < value.length; k++) {
      const start = issues === undefined ? 0 : issues.length;
      if (validate(value[k], issues)) continue;
      if (issues === undefined) return false;
      ok = false;
      for (let j = start; j < issues.length; j++) issues[j]!.path.unshift(k);
    }
    return ok;
  };
}

/** A value that is not a safe integer, worded as zod's \`z.number().int()\`. */
function $int(i: Issues, p: Path, k: Key, v: unknown): false {
  if (typeof v !== "number" || !Number.isFinite(v)) return $type(i, p, k, "number", v);
  if (!Number.isInteger(v)) return $type(i, p, k, "int", v);
  return v > 0
    ? $issue(i, p, k, "too_big", \`Too big: expected int to be <=\${Number.MAX_SAFE_INTEGER}\`)
    : $issue(i, p, k, "too_small", \`Too small: expected int to be >=\${Number.MIN_SAFE_INTEGER}\`);
}
`;

/** Prints nodes as validator functions. */
class ValidatorPrinter {
  /**
   * @param {Record<string, any>} schemas
   * @param {Map<string, import("./schema-ir.mjs").Node>} nodes
   * @param {Map<string, string>} fnNames schema name → internal function name
   */
  constructor(schemas, nodes, fnNames) {
    this.schemas = schemas;
    this.nodes = nodes;
    this.fnNames = fnNames;
    /** @type {string[]} functions printed so far */
    this.functions = [];
    /** @type {Map<string, string>} helper functions by the node they check (shared when equal) */
    this.helpers = new Map();
    /** @type {Map<string, boolean>} */
    this.undefinedOk = new Map();
  }

  /** Whether the node accepts `undefined` (then only presence tells a required key apart). */
  acceptsUndefined(node, seen = new Set()) {
    switch (node.k) {
      case "unknown":
        return true;
      case "nullable":
        return this.acceptsUndefined(node.inner, seen);
      case "union":
        return node.members.some((m) => this.acceptsUndefined(m, seen));
      case "intersection":
        return this.acceptsUndefined(node.left, seen) && this.acceptsUndefined(node.right, seen);
      case "ref": {
        if (this.undefinedOk.has(node.name)) return this.undefinedOk.get(node.name);
        if (seen.has(node.name)) return false;
        seen.add(node.name);
        const ok = this.acceptsUndefined(this.nodes.get(node.name), seen);
        this.undefinedOk.set(node.name, ok);
        return ok;
      }
      default:
        return false;
    }
  }

  /**
   * How to check a node: `inline` (an expression over the variable, and the issue to push) or a
   * call of a function that pushes its own issues.
   * @returns {{ test: (x: string) => string, issue: (k: string) => (x: string) => string } | { call: string, nullable: boolean }}
   */
  checker(node) {
    const inline = this.inline(node);
    if (inline) return inline;
    if (node.k === "ref") return { call: this.fnNames.get(node.name), nullable: false };
    if (node.k === "nullable" && node.inner.k === "ref") return { call: this.fnNames.get(node.inner.name), nullable: true };
    const inner = node.k === "nullable" ? node.inner : node;
    // Anonymous nodes get helper functions (`h<n>`, no schema function starts with h), one per distinct node.
    const key = JSON.stringify(inner);
    let fn = this.helpers.get(key);
    if (fn === undefined) {
      fn = `h${this.helpers.size + 1}`;
      this.helpers.set(key, fn);
      this.printFunction(fn, inner);
    }
    return { call: fn, nullable: node.k === "nullable" };
  }

  /** Expression checks for the nodes that need no loop or function (null when the node does). */
  inline(node) {
    const simple = (test, issue) => ({ test, issue });
    switch (node.k) {
      case "unknown":
        return simple(
          () => "true",
          () => () => "true",
        );
      case "never":
        return simple(
          () => "false",
          (k) => (x) => `$type(i, p, ${k}, "never", ${x})`,
        );
      case "null":
        return simple(
          (x) => `${x} === null`,
          (k) => (x) => `$type(i, p, ${k}, "null", ${x})`,
        );
      case "string":
      case "boolean":
        return simple(
          (x) => `typeof ${x} === "${node.k}"`,
          (k) => (x) => `$type(i, p, ${k}, "${node.k}", ${x})`,
        );
      case "number":
        return simple(
          (x) => `Number.isFinite(${x})`,
          (k) => (x) => `$type(i, p, ${k}, "number", ${x})`,
        );
      case "int":
        return simple(
          (x) => `Number.isSafeInteger(${x})`,
          (k) => (x) => `$int(i, p, ${k}, ${x})`,
        );
      case "literal": {
        const message =
          node.values.length === 1
            ? `Invalid input: expected ${zodPrimitive(node.values[0])}`
            : `Invalid option: expected one of ${node.values.map(zodPrimitive).join("|")}`;
        return simple(
          (x) =>
            node.values.length === 1
              ? `${x} === ${JSON.stringify(node.values[0])}`
              : `(${node.values.map((v) => `${x} === ${JSON.stringify(v)}`).join(" || ")})`,
          (k) => () => `$issue(i, p, ${k}, "invalid_value", ${JSON.stringify(message)})`,
        );
      }
      case "nullable": {
        const inner = this.inline(node.inner);
        if (!inner) return null;
        return simple((x) => `(${x} === null || ${inner.test(x)})`, inner.issue);
      }
      case "union": {
        const members = node.members.map((m) => this.inline(m));
        if (members.some((m) => !m)) return null;
        return simple(
          (x) => `(${members.map((m) => m.test(x)).join(" || ")})`,
          (k) => () => `$union(i, p, ${k})`,
        );
      }
      default:
        return null;
    }
  }

  /**
   * An expression that is true when `x` (at key `k` of the current path, or the current path
   * itself when `k` is null) matches, and that pushes the issues when it does not.
   */
  collect(check, x, k) {
    if ("call" in check) {
      const call = `${check.call}(${x}, ${k === null ? "p" : `$at(i, p, ${k})`}, i)`;
      return check.nullable ? `(${x} === null || ${call})` : call;
    }
    const test = check.test(x);
    return test === "true" ? "true" : `(${test} || ${check.issue(k === null ? "undefined" : k)(x)})`;
  }

  /** A boolean expression for `x` matching, pushing nothing (union members). */
  quiet(check, x) {
    if ("call" in check) {
      const call = `${check.call}(${x}, p, undefined)`;
      return check.nullable ? `(${x} === null || ${call})` : call;
    }
    return check.test(x);
  }

  /** The statements of a function `(v, p, i) => boolean` checking `v` against `node`. */
  body(node) {
    const fail = "{ if (!i) return false; ok = false; }";
    switch (node.k) {
      case "nullable":
        return [`if (v === null) return true;`, ...this.body(node.inner)];
      case "ref":
        return [`return ${this.fnNames.get(node.name)}(v, p, i);`];
      case "array": {
        const check = this.checker(node.items);
        const lines = [`if (!Array.isArray(v)) return $type(i, p, undefined, "array", v);`];
        const e = this.collect(check, "x", "k");
        if (e === "true") return [...lines, "return true;"];
        return [
          ...lines,
          "let ok = true;",
          `for (let k = 0; k < v.length; k++) {`,
          "  const x: unknown = v[k];",
          `  if (!${e}) ${fail}`,
          "}",
          "return ok;",
        ];
      }
      case "object":
        return this.objectBody(node);
      case "union": {
        const tests = node.members.map((m) => this.quiet(this.checker(m), "v"));
        return [`if (${tests.join(" || ")}) return true;`, "return $union(i, p, undefined);"];
      }
      case "intersection": {
        const left = this.collect(this.checker(node.left), "v", null);
        const right = this.collect(this.checker(node.right), "v", null);
        return [`const left = ${left};`, "if (!left && !i) return false;", `return ${right} && left;`];
      }
      default: {
        const check = this.inline(node);
        return [`return ${this.collect(check, "v", null)};`];
      }
    }
  }

  objectBody(node) {
    const isRecord = node.props.length === 0 && node.rest !== undefined;
    const lines = [
      isRecord
        ? `if (!$isRecord(v)) return $type(i, p, undefined, "record", v);`
        : `if (!$isObject(v)) return $type(i, p, undefined, "object", v);`,
    ];
    const stmts = [];
    let usesX = false;
    const fail = (issue = "") => `{ ${issue ? `${issue}; ` : ""}if (!i) return false; ok = false; }`;
    // zod skips a declared __proto__ key (and so do we).
    const props = node.props.filter((prop) => prop.name !== "__proto__");
    for (const prop of props) {
      const key = JSON.stringify(prop.name);
      const e = this.collect(this.checker(prop.node), "x", key);
      const undefinedOk = this.acceptsUndefined(prop.node);
      // A required key whose schema takes undefined: only `in` tells whether it is there.
      if (prop.presence === "required" && undefinedOk) stmts.push(`if (!(${key} in v)) ${fail(`$missing(i, p, ${key})`)}`);
      if (e === "true") continue;
      usesX = true;
      stmts.push(`x = v[${key}];`);
      if (prop.presence === "required" || undefinedOk) stmts.push(`if (!${e}) ${fail()}`);
      else if (prop.presence === "optional") stmts.push(`if ((x !== undefined || ${key} in v) && !${e}) ${fail()}`);
      else stmts.push(`if (x !== undefined && !${e}) ${fail()}`);
    }
    if (node.rest !== undefined) {
      const e = this.collect(this.checker(node.rest), "x", "k");
      if (e !== "true") {
        usesX = true;
        const skip = ['k === "__proto__"', ...props.map((prop) => `k === ${JSON.stringify(prop.name)}`)].join(" || ");
        stmts.push(`for (const k in v) {\n  if (${skip}) continue;\n  x = v[k];\n  if (!${e}) ${fail()}\n}`);
      }
    }
    if (stmts.length === 0) return [...lines, "return true;"];
    return [...lines, "let ok = true;", ...(usesX ? ["let x: unknown;"] : []), ...stmts, "return ok;"];
  }

  printFunction(fn, node) {
    const slot = this.functions.length;
    this.functions.push(""); // keep the order: a function before the helpers it creates
    const body = this.body(node);
    this.functions[slot] =
      `function ${fn}(v: unknown, p: Path, i: Issues): boolean {\n${body.map((l) => `  ${l.replace(/\n/g, "\n  ")}`).join("\n")}\n}\n`;
  }
}

/**
 * Generates the validator module of a map of named schemas (e.g. `components.schemas`).
 * @param {Record<string, any>} schemas
 * @param {{ header?: string, typescript?: boolean, root?: any, typesImport?: string }} [options]
 *   `typescript: false`: plain JavaScript (no types, no import); `root`: the whole document, to
 *   resolve other refs; `typesImport`: module specifier of the openapi-typescript types of the
 *   same document (default "./schema.js"), for the validators' type guards.
 * @returns {string}
 */
export function generateValidatorModule(schemas, { header = "", typescript = true, root, typesImport = "./schema.js" } = {}) {
  schemas = schemas ?? {};
  const names = Object.keys(schemas);
  const reader = new SchemaReader(schemas, { root });
  const nodes = new Map(names.map((n) => [n, reader.read(schemas[n])]));
  const fnNames = uniqueIdentifiers(names, { prefix: "v_" });
  const publicNames = uniqueIdentifiers(names, { prefix: "validate", reserved: ["validators"] });
  const printer = new ValidatorPrinter(schemas, nodes, fnNames);
  const exports = [];
  for (const scc of emissionOrder(schemas)) {
    for (const name of scc) {
      printer.printFunction(fnNames.get(name), nodes.get(name));
      const doc = schemaSummary(schemas[name]);
      const what = `\`${name.replace(/\*\//g, "*\\/").replace(/`/g, "'")}\``;
      exports.push(
        `/** Checks a value against ${what}${doc ? `: ${doc}` : "."} */\n` +
          `export function ${publicNames.get(name)}(value: unknown, issues?: ValidationIssue[]): value is S[${JSON.stringify(name)}] {\n` +
          `  return ${fnNames.get(name)}(value, ROOT, issues);\n}\n`,
      );
    }
  }
  const entries = [...names]
    .sort(byCodeUnit)
    .map((n) => `  ${IDENT_RE.test(n) && n !== "__proto__" ? n : JSON.stringify(n)}: ${publicNames.get(n)},`)
    .join("\n");
  const source = [
    header,
    `import type { components } from ${JSON.stringify(typesImport)};\n\n`,
    RUNTIME_TS,
    "\n",
    exports.join("\n"),
    "\n/** Every validator above, by its OpenAPI schema name. */\n",
    `export const validators: { [Name in keyof S]: Validator<S[Name]> } = {${entries ? `\n${entries}\n` : ""}};\n`,
    "\n// ---------------------------------------------------------------- checks: (value, path, issues)\n\n",
    printer.functions.join("\n"),
  ].join("");
  if (typescript) return source;
  // Plain JavaScript: the same module with the types erased.
  return ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}
