/**
 * The generated validators (generated/v<X.Y>/validate.ts) accept exactly what the generated zod
 * schemas (zod.ts) accept. Values are built from each schema's reading (scripts/generate/
 * schema-ir.mjs, the one both emitters print): valid ones, and ones with a share of their parts
 * replaced by wrong-typed values, `undefined`, NaN, unsafe integers, missing required keys,
 * present-but-undefined optional keys and unknown extra keys. Every v1.10 schema and a fixed
 * sample of v1.41 ones, 1,000 runs each.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SchemaReader, type Node } from "../../scripts/generate/schema-ir.mjs";
import * as V110 from "../../generated/v1.10/validate.js";
import * as Z110 from "../../generated/v1.10/zod.js";
import * as V141 from "../../generated/v1.41/validate.js";
import * as Z141 from "../../generated/v1.41/zod.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RUNS = 1_000;

type Validate = (value: unknown, issues?: { path: (string | number)[]; code: string; message: string }[]) => boolean;
type ZodSchema = { safeParse(value: unknown): { success: boolean } };

interface Group {
  version: string;
  validators: Record<string, Validate>;
  schemas: Record<string, ZodSchema>;
  names: string[];
}

const doc = (version: string) =>
  JSON.parse(readFileSync(path.join(repoRoot, "generated", `v${version}`, "openapi.json"), "utf8")) as {
    components: { schemas: Record<string, unknown> };
  };
const DOCS = { "1.10": doc("1.10"), "1.41": doc("1.41") };

/** Every v1.10 schema; for v1.41 the schemas the client and the examples touch, then every 8th. */
const v141All = Object.keys(DOCS["1.41"].components.schemas).sort();
const v141Sample = [
  ...new Set([
    "ContainerConfig",
    "ContainerInspectResponse",
    "ContainerSummary",
    "HostConfig",
    "ImageInspect",
    "Network",
    "Swarm",
    "SystemInfo",
    "SystemVersion",
    "Volume",
    ...v141All.filter((_, index) => index % 8 === 0),
  ]),
].filter((name) => v141All.includes(name));

const GROUPS: Group[] = [
  {
    version: "1.10",
    validators: V110.validators as unknown as Record<string, Validate>,
    schemas: Z110.schemas,
    names: Object.keys(DOCS["1.10"].components.schemas).sort(),
  },
  { version: "1.41", validators: V141.validators as unknown as Record<string, Validate>, schemas: Z141.schemas, names: v141Sample },
];

// ------------------------------------------------------------------------------ value builder

const WRONG: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(undefined, null, NaN, Infinity, -0, 1.5, 2 ** 53, -(2 ** 60), 9223372036854775807, "", "x", true, [], {}, [1], {
    a: 1,
  }),
);
/** Wrong values without undefined and NaN: zod refuses those inside an allOf for merge reasons (see validate.mjs). */
const WRONG_JSON: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(null, Infinity, 1.5, 2 ** 53, "", true, [], {}),
);
const KEY = fc.oneof(fc.constantFrom("extra", "x-y", "Id", "constructor", "toString", "0"), fc.string({ maxLength: 4 }));

interface BuildOptions {
  /** Chance that a node is replaced by a wrong value. */
  rate: number;
  /** false inside schemas that reach an allOf (no undefined, no NaN). */
  loose: boolean;
  lookup: (name: string) => Node;
}

/**
 * true with this probability. (Not from fc.double or fc.integer: fast-check biases those
 * towards their bounds, which would make "rare" events common.)
 */
function chance(p: number): fc.Arbitrary<boolean> {
  const weight = Math.round(p * 1000);
  if (weight <= 0) return fc.constant(false);
  if (weight >= 1000) return fc.constant(true);
  return fc.oneof({ weight, arbitrary: fc.constant(true) }, { weight: 1000 - weight, arbitrary: fc.constant(false) });
}

/** Refs (the only way to recurse) and arrays deeper than this get small fixed values. */
const MAX_DEPTH = 5;

function build(node: Node, o: BuildOptions, depth: number): fc.Arbitrary<unknown> {
  const valid = buildValid(node, o, depth);
  if (o.rate === 0) return valid;
  const near = nearMisses(node).filter((v) => o.loose || (v !== undefined && !Number.isNaN(v)));
  const wrong = fc.oneof(o.loose ? WRONG : WRONG_JSON, ...(near.length > 0 ? [fc.constantFrom(...near)] : []));
  return fc.oneof({ weight: Math.round((1 - o.rate) * 100), arbitrary: valid }, { weight: Math.round(o.rate * 100), arbitrary: wrong });
}

/** Values just outside (or just inside) what a node accepts: where a validator would get it wrong. */
function nearMisses(node: Node): unknown[] {
  switch (node.k) {
    case "string":
      return [0, null, [], {}, true, undefined];
    case "number":
      return [NaN, Infinity, -Infinity, "1", null, 2 ** 64, -0];
    case "int":
      return [1.5, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, -(2 ** 53 - 1), -0, NaN, Infinity, "1", null];
    case "boolean":
      return [0, 1, "true", null];
    case "null":
      return [undefined, 0, "", {}];
    case "literal":
      return node.values.flatMap((v): unknown[] =>
        typeof v === "string" ? [`${v}x`, v.toUpperCase(), ""] : typeof v === "number" ? [v + 1, String(v)] : [!v],
      );
    case "array":
      return [{}, "a", null, { length: 0 }];
    case "object":
      return [[], null, "", 0, Object.create(null) as unknown];
    case "nullable":
      return nearMisses(node.inner).filter((v) => v !== null);
    default:
      return [];
  }
}

function buildValid(node: Node, o: BuildOptions, depth: number): fc.Arbitrary<unknown> {
  switch (node.k) {
    case "unknown":
      return o.loose ? fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(undefined)) : fc.jsonValue({ maxDepth: 1 });
    case "never":
      return fc.constant(1);
    case "null":
      return fc.constant(null);
    case "string":
      return fc.string({ maxLength: 6 });
    case "number":
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(9223372036854775807));
    case "int":
      return fc.integer();
    case "boolean":
      return fc.boolean();
    case "literal":
      return fc.constantFrom(...node.values);
    case "array":
      return depth >= MAX_DEPTH ? fc.constant([]) : fc.array(build(node.items, o, depth + 1), { maxLength: 3 });
    case "nullable":
      return fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: buildValid(node.inner, o, depth) });
    case "ref":
      // Deep down, a small value that may or may not fit (mutations are what this test is about).
      return depth >= MAX_DEPTH ? fc.constantFrom<unknown>({}, null, []) : buildValid(o.lookup(node.name), o, depth + 1);
    case "union":
      return fc.oneof(...node.members.map((m) => buildValid(m, o, depth)));
    case "intersection":
      return fc.tuple(buildValid(node.left, o, depth), buildValid(node.right, o, depth)).map(([a, b]) => merge(a, b));
    case "object":
      return buildObject(node, o, depth);
  }
}

function merge(a: unknown, b: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  return isObj(a) && isObj(b) ? { ...a, ...b } : b;
}

function buildObject(node: Extract<Node, { k: "object" }>, o: BuildOptions, depth: number): fc.Arbitrary<unknown> {
  const rest = node.rest === undefined ? undefined : build(node.rest, o, depth);
  const props = node.props.map((prop) =>
    fc
      .record({
        // Optional and defaulted keys: absent half of the time; required ones only when mutating.
        present: prop.presence === "required" ? chance(1 - o.rate / 2) : chance(0.5),
        undef: o.loose ? chance(o.rate / 2) : fc.constant(false),
        value: build(prop.node, o, depth),
      })
      .map((p) => [prop.name, p] as const),
  );
  const extra =
    o.rate === 0 && rest !== undefined ? fc.constant({}) : fc.dictionary(KEY, rest ?? fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
  return fc.tuple(fc.tuple(...props), extra).map(([entries, more]) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(more)) if (key !== "__proto__") out[key] = value;
    for (const [name, p] of entries) {
      if (!p.present) delete out[name];
      else out[name] = p.undef ? undefined : p.value;
    }
    return out;
  });
}

/** Whether the schema reaches an allOf (through refs). */
function reachesIntersection(node: Node, lookup: (name: string) => Node, seen = new Set<string>()): boolean {
  switch (node.k) {
    case "intersection":
      return true;
    case "array":
      return reachesIntersection(node.items, lookup, seen);
    case "nullable":
      return reachesIntersection(node.inner, lookup, seen);
    case "union":
      return node.members.some((m) => reachesIntersection(m, lookup, seen));
    case "object":
      return (
        node.props.some((p) => reachesIntersection(p.node, lookup, seen)) ||
        (node.rest !== undefined && reachesIntersection(node.rest, lookup, seen))
      );
    case "ref":
      if (seen.has(node.name)) return false;
      seen.add(node.name);
      return reachesIntersection(lookup(node.name), lookup, seen);
    default:
      return false;
  }
}

// ------------------------------------------------------------------------------------ tests

for (const group of GROUPS) {
  const schemas = DOCS[group.version as keyof typeof DOCS].components.schemas;
  const reader = new SchemaReader(schemas);
  const nodes = new Map(Object.keys(schemas).map((name) => [name, reader.read(schemas[name])]));
  const lookup = (name: string) => nodes.get(name)!;

  describe(`v${group.version} validators agree with the zod schemas`, () => {
    it("has a validator and a zod schema for every component schema", () => {
      expect(Object.keys(group.validators).sort()).toEqual(Object.keys(schemas).sort());
      expect(Object.keys(group.schemas).sort()).toEqual(Object.keys(schemas).sort());
    });

    for (const name of group.names) {
      it(name, () => {
        const node = lookup(name);
        const loose = !reachesIntersection(node, lookup);
        const arb = fc.oneof(
          build(node, { rate: 0, loose, lookup }, 0),
          build(node, { rate: 0.03, loose, lookup }, 0),
          build(node, { rate: 0.15, loose, lookup }, 0),
          build(node, { rate: 0.5, loose, lookup }, 0),
        );
        const validate = group.validators[name]!;
        const schema = group.schemas[name]!;
        let accepted = 0;
        fc.assert(
          fc.property(arb, (value) => {
            const before = JSON.stringify(value);
            const zodOk = schema.safeParse(value).success;
            const fast = validate(value);
            const issues: { path: (string | number)[]; code: string; message: string }[] = [];
            const thorough = validate(value, issues);
            expect(fast, `fast check of ${before}`).toBe(zodOk);
            expect(thorough).toBe(zodOk);
            expect(issues.length > 0).toBe(!zodOk);
            expect(JSON.stringify(value), "the validator changed the value").toBe(before);
            if (zodOk) accepted++;
          }),
          { numRuns: RUNS },
        );
        // Both sides of the boundary were exercised (a schema that takes anything is all-accepted).
        expect(accepted, "accepted values").toBeGreaterThan(RUNS / 10);
        if (node.k !== "unknown") expect(RUNS - accepted, "refused values").toBeGreaterThan(RUNS / 20);
      });
    }
  });
}
