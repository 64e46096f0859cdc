/**
 * The validator emitter (scripts/generate/validate.mjs): the cases of the zod converter's tests,
 * each value checked by both the generated validator and the generated zod schema, and the
 * issues compared with zod's (path, code and message).
 */
import { mkdir, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateValidatorModule } from "../../scripts/generate/validate.mjs";
import { generateZodModule } from "../../scripts/generate/zod.mjs";
import { validateContainer, validateImage, validators, type ValidationIssue } from "../../generated/v1.10/index.js";
import { ContainerSchema, ImageSchema } from "../../generated/v1.10/zod.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// Under node_modules/.cache so that `zod` resolves from the generated zod modules.
const scratch = path.join(repoRoot, "node_modules/.cache/berth-validate-test", `run-${process.pid}`);

type Validate = (value: unknown, issues?: ValidationIssue[]) => boolean;
type ZodSchema = {
  safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; code: string; message: string }[] } };
};
let counter = 0;

/** Generates both modules (plain JavaScript) for `schemas` and imports them. */
async function load(
  schemas: Record<string, unknown>,
): Promise<{ code: string; v: Record<string, Validate>; z: Record<string, ZodSchema> }> {
  const code = generateValidatorModule(schemas, { typescript: false });
  const n = counter++;
  const vFile = path.join(scratch, `validate-${n}.mjs`);
  const zFile = path.join(scratch, `zod-${n}.mjs`);
  await writeFile(vFile, code);
  await writeFile(zFile, generateZodModule(schemas, { typescript: false }));
  const v = (await import(pathToFileURL(vFile).href)) as { validators: Record<string, Validate> };
  const z = (await import(pathToFileURL(zFile).href)) as { schemas: Record<string, ZodSchema> };
  return { code, v: v.validators, z: z.schemas };
}

const zodIssues = (schema: ZodSchema, value: unknown) =>
  (schema.safeParse(value).error?.issues ?? []).map(({ path, code, message }) => ({ path, code, message }));

function issuesOf(validate: Validate, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  validate(value, issues);
  return issues;
}

/** Each value: the validator's verdict is zod's, with and without collecting issues. */
function expectAgreement(validate: Validate, schema: ZodSchema, values: unknown[]): void {
  for (const value of values) {
    const expected = schema.safeParse(value).success;
    expect(validate(value), JSON.stringify(value) ?? String(value)).toBe(expected);
    expect(issuesOf(validate, value).length === 0, JSON.stringify(value) ?? String(value)).toBe(expected);
  }
}

beforeAll(async () => {
  await mkdir(scratch, { recursive: true });
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await rmdir(path.dirname(scratch)).catch(() => {}); // only if no other run is using it
});

describe("validator emitter", () => {
  it("calls referenced schemas' validators, and the record of validators is by OpenAPI name", async () => {
    const { code, v, z } = await load({
      B: { type: "object", properties: { a: { $ref: "#/components/schemas/A" } } },
      A: { type: "object", properties: { n: { type: "integer" } } },
    });
    expect(code).toContain('v_A(x, $at(i, p, "a"), i)');
    expect(Object.keys(v)).toEqual(["A", "B"]);
    expectAgreement(v.B!, z.B!, [{ a: { n: 1 } }, { a: { n: "x" } }, { a: null }, {}, { a: undefined }, [], null]);
  });

  it("keeps unknown fields, checks required ones, and tells absent from undefined (exactOptional)", async () => {
    const { v, z } = await load({
      C: {
        type: "object",
        required: ["Id", "Any"],
        properties: { Id: { type: "string" }, Name: { type: "string" }, Any: {}, Maybe: {} },
      },
    });
    const values = [
      { Id: "x", Any: 1, Extra: { deep: [1] } },
      { Id: "x", Any: undefined },
      { Id: "x" },
      { Name: "n", Any: 1 },
      { Id: "x", Any: 1, Name: 1 },
      { Id: "x", Any: 1, Name: undefined },
      { Id: "x", Any: 1, Maybe: undefined },
      { Id: undefined, Any: 1 },
    ];
    expectAgreement(v.C!, z.C!, values);
    for (const value of values) expect(issuesOf(v.C!, value)).toEqual(zodIssues(z.C!, value));
  });

  it("handles nullable (3.0 nullable, 3.1 type arrays, null in enum, null member of oneOf)", async () => {
    const { v, z } = await load({
      N30: { type: "string", nullable: true },
      N31: { type: ["integer", "null"] },
      NEnum: { type: "string", enum: ["a", null] },
      NOneOf: { oneOf: [{ type: "string" }, { type: "null" }] },
      NotNull: { type: "string" },
    });
    for (const n of ["N30", "N31", "NEnum", "NOneOf", "NotNull"])
      expectAgreement(v[n]!, z[n]!, [null, undefined, 3, "3", "a", "b", 1.5, [], {}]);
    expect(v.N31!(null)).toBe(true);
    expect(v.NotNull!(null)).toBe(false);
  });

  it("checks every value of a map, and the other keys next to properties (catchall)", async () => {
    const { v, z } = await load({
      Labels: { type: "object", additionalProperties: { type: "string" } },
      Mixed: { type: "object", properties: { id: { type: "integer" } }, additionalProperties: { type: "string" } },
      AnyMap: { type: "object", additionalProperties: true },
    });
    const values = [
      { a: "b" },
      { a: 1 },
      { id: 1, other: "x" },
      { id: 1, other: 2 },
      { id: "1" },
      { b: undefined },
      JSON.parse('{"__proto__": 1, "a": "b"}'),
      Object.create(null),
      { x: [1, { y: 2 }] },
      [],
      "x",
    ];
    for (const n of ["Labels", "Mixed", "AnyMap"]) {
      expectAgreement(v[n]!, z[n]!, values);
      for (const value of values) expect(issuesOf(v[n]!, value), `${n} ${JSON.stringify(value)}`).toEqual(zodIssues(z[n]!, value));
    }
  });

  it("checks enums, allOf, oneOf, formats and defaults (without filling them in)", async () => {
    const { v, z } = await load({
      Status: { type: "string", enum: ["created", "running"] },
      Mixed: { enum: [1, "one", true] },
      Both: {
        allOf: [
          { type: "object", required: ["a"], properties: { a: { type: "string" } } },
          { type: "object", properties: { b: { type: "boolean" } } },
        ],
      },
      Either: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
      Numbers: {
        type: "object",
        properties: {
          i32: { type: "integer", format: "int32" },
          i64: { type: "integer", format: "int64" },
          n: { type: "number" },
          when: { type: "string", format: "date-time" },
          blob: { type: "string", format: "binary" },
        },
      },
      WithDefault: {
        type: "object",
        properties: { tty: { type: "boolean", default: false }, env: { type: "array", items: { type: "string" }, default: [] } },
      },
    });
    const values = [
      "running",
      "paused",
      1,
      2,
      "one",
      true,
      false,
      { a: "x", b: true, c: 1 },
      { b: true },
      { a: "x", b: 1 },
      ["a"],
      ["a", 1],
      { i32: 1.5 },
      { i32: 2 ** 53 },
      { i32: -(2 ** 53) },
      { i32: 2 ** 53 - 1 },
      { i32: NaN },
      { n: Infinity },
      { n: NaN },
      { i64: 9223372036854771712, when: "0001-01-01T00:00:00Z", blob: new Uint8Array(1) },
      {},
      { tty: undefined, env: undefined },
      { tty: 1 },
      { env: ["a", 2] },
    ];
    for (const n of ["Status", "Mixed", "Both", "Either", "Numbers", "WithDefault"]) {
      expectAgreement(v[n]!, z[n]!, values);
      if (n !== "Either")
        for (const value of values) expect(issuesOf(v[n]!, value), `${n} ${JSON.stringify(value)}`).toEqual(zodIssues(z[n]!, value));
    }
    // Check only: a default is not filled in.
    const value = {};
    expect(v.WithDefault!(value)).toBe(true);
    expect(value).toEqual({});
    // A union that fails is one issue at its own path.
    expect(issuesOf(v.Either!, 1)).toEqual([{ path: [], code: "invalid_union", message: "Invalid input" }]);
  });

  it("handles cycles: self, mutual, and through a top-level array", async () => {
    const { v, z } = await load({
      Tree: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/components/schemas/Tree" } } },
      },
      Ping: { type: "object", properties: { pong: { $ref: "#/components/schemas/Pong" } } },
      Pong: { type: "object", properties: { ping: { $ref: "#/components/schemas/Ping" } } },
      Nested: { type: "array", items: { $ref: "#/components/schemas/Nested" } },
    });
    const tree = { name: "a", children: [{ name: "b", children: [{ name: "c" }] }] };
    expectAgreement(v.Tree!, z.Tree!, [tree, { name: "a", children: [{ children: [] }] }]);
    expect(issuesOf(v.Tree!, { name: "a", children: [{ name: "b" }, { name: "c", children: [{ name: 1 }] }] })).toEqual([
      { path: ["children", 1, "children", 0, "name"], code: "invalid_type", message: "Invalid input: expected string, received number" },
    ]);
    expectAgreement(v.Ping!, z.Ping!, [{ pong: { ping: { pong: {} } } }, { pong: { ping: 1 } }]);
    expectAgreement(v.Nested!, z.Nested!, [[[], [[]]], [[1]]]);
  });

  it("sanitises names, is independent of the input key order, and emits valid TypeScript and JavaScript", async () => {
    const a = { "Weird-Name.v2": { type: "string" }, Zed: { type: "integer" }, Alpha: { $ref: "#/components/schemas/Zed" } };
    const b = { Alpha: { $ref: "#/components/schemas/Zed" }, Zed: { type: "integer" }, "Weird-Name.v2": { type: "string" } };
    const { v } = await load(a);
    const ts = generateValidatorModule(a);
    expect(ts).toContain('export function validateWeird_Name_v2(value: unknown, issues?: ValidationIssue[]): value is S["Weird-Name.v2"]');
    expect(ts).toContain('"Weird-Name.v2": validateWeird_Name_v2,');
    expect(generateValidatorModule(b)).toBe(ts);
    expect(v.Alpha!(3)).toBe(true);
    expect(v.Alpha!(3.5)).toBe(false);
  });
});

describe("generated v1.10 validators", () => {
  it("report the issues zod reports for the client's bodies", () => {
    const bodies = [
      { Id: 42, Size: "big" },
      { id: "x", config: { Cmd: ["a", 1], Env: null, ExposedPorts: { "80/tcp": 1 } } },
      { id: "x", container_config: [] },
    ];
    for (const body of bodies) {
      expect(validateImage(body)).toBe(false);
      expect(issuesOf(validateImage, body)).toEqual(zodIssues(ImageSchema, body));
    }
    const container = { Id: "x", State: { Running: "yes", Pid: 1.5 }, NetworkSettings: { Ports: { "80/tcp": [{ HostPort: 80 }] } } };
    expect(issuesOf(validateContainer, container)).toEqual(zodIssues(ContainerSchema, container));
  });

  it("exist for every schema of the document", () => {
    expect(Object.keys(validators)).toHaveLength(29);
    expect(validators.Container).toBe(validateContainer);
  });
});
