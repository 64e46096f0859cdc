import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateZodModule, stronglyConnected } from "../../scripts/generate/zod.mjs";
import { applyOverlay, parseJsonPath, queryJsonPath, validateOverlay } from "../../scripts/generate/overlay.mjs";
import type { OverlayDocument } from "../../scripts/generate/overlay.mjs";
import { buildDocument, detectApiVersion, fixRefSiblings, parseDocument } from "../../scripts/generate/spec.mjs";
import { defaultOverlay, diffAgainst, generateFiles, writeFiles } from "../../scripts/generate/pipeline.mjs";
import { checkGeneratorTools, GeneratorToolError, INSTALL_LINE } from "../../scripts/generate/tools.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const upstream = path.resolve(here, "../../vendor/moby-api");
const fixture = path.join(repoRoot, "test/fixtures/generate/mini-openapi.yaml");
// Temporary files live under node_modules/.cache so that `zod` and @types resolve from them.
const scratch = path.join(repoRoot, "node_modules/.cache/berth-generate-test", `run-${process.pid}`);

type Schema = { parse(v: unknown): unknown; safeParse(v: unknown): { success: boolean; data?: unknown } };
let moduleCounter = 0;

/** Generates a zod module (plain JavaScript flavour) for `schemas` and imports it. */
async function loadZod(schemas: Record<string, unknown>): Promise<{ code: string; mod: Record<string, Schema> }> {
  const code = generateZodModule(schemas, { typescript: false });
  const file = path.join(scratch, `zod-${moduleCounter++}.mjs`);
  await writeFile(file, code);
  return { code, mod: (await import(pathToFileURL(file).href)) as Record<string, Schema> };
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: repoRoot }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await mkdir(scratch, { recursive: true });
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await rmdir(path.dirname(scratch)).catch(() => {}); // only if no other run is using it
});

describe("zod converter", () => {
  it("emits referenced schemas first and refers to them by name", async () => {
    const { code, mod } = await loadZod({
      B: { type: "object", properties: { a: { $ref: "#/components/schemas/A" } } },
      A: { type: "object", properties: { n: { type: "integer" } } },
    });
    expect(code.indexOf("export const ASchema")).toBeLessThan(code.indexOf("export const BSchema"));
    expect(code).toContain("a: ASchema.exactOptional()");
    expect(mod.BSchema!.safeParse({ a: { n: 1 } }).success).toBe(true);
    expect(mod.BSchema!.safeParse({ a: { n: "x" } }).success).toBe(false);
    expect(Object.keys(mod.schemas as object)).toEqual(["A", "B"]);
  });

  it("keeps unknown fields and checks required ones", async () => {
    const { mod } = await loadZod({
      C: { type: "object", required: ["Id"], properties: { Id: { type: "string" }, Name: { type: "string" } } },
    });
    expect(mod.CSchema!.parse({ Id: "x", Extra: { deep: [1] } })).toEqual({ Id: "x", Extra: { deep: [1] } });
    expect(mod.CSchema!.safeParse({ Name: "n" }).success).toBe(false);
    expect(mod.CSchema!.safeParse({ Id: "x", Name: 1 }).success).toBe(false);
  });

  it("handles nullable (3.0 nullable, 3.1 type arrays, null in enum, null member of oneOf)", async () => {
    const { mod } = await loadZod({
      N30: { type: "string", nullable: true },
      N31: { type: ["integer", "null"] },
      NEnum: { type: "string", enum: ["a", null] },
      NOneOf: { oneOf: [{ type: "string" }, { type: "null" }] },
      NotNull: { type: "string" },
    });
    for (const n of ["N30", "N31", "NEnum", "NOneOf"]) expect(mod[`${n}Schema`]!.safeParse(null).success, n).toBe(true);
    expect(mod.NotNullSchema!.safeParse(null).success).toBe(false);
    expect(mod.N31Schema!.safeParse(3).success).toBe(true);
    expect(mod.N31Schema!.safeParse("3").success).toBe(false);
    expect(mod.NEnumSchema!.safeParse("b").success).toBe(false);
    expect(mod.NOneOfSchema!.safeParse(1).success).toBe(false);
  });

  it("turns additionalProperties into records (and catchall next to properties)", async () => {
    const { code, mod } = await loadZod({
      Labels: { type: "object", additionalProperties: { type: "string" } },
      Mixed: { type: "object", properties: { id: { type: "integer" } }, additionalProperties: { type: "string" } },
      AnyMap: { type: "object", additionalProperties: true },
    });
    expect(code).toContain("z.record(z.string(), z.string())");
    expect(mod.LabelsSchema!.safeParse({ a: "b" }).success).toBe(true);
    expect(mod.LabelsSchema!.safeParse({ a: 1 }).success).toBe(false);
    expect(mod.MixedSchema!.safeParse({ id: 1, other: "x" }).success).toBe(true);
    expect(mod.MixedSchema!.safeParse({ id: 1, other: 2 }).success).toBe(false);
    expect(mod.AnyMapSchema!.parse({ x: [1, { y: 2 }] })).toEqual({ x: [1, { y: 2 }] });
  });

  it("converts enums, allOf, oneOf, formats and defaults", async () => {
    const { code, mod } = await loadZod({
      Status: { type: "string", enum: ["created", "running"] },
      Mixed: { enum: [1, "one"] },
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
          when: { type: "string", format: "date-time" },
          blob: { type: "string", format: "binary" },
        },
      },
      WithDefault: {
        type: "object",
        properties: { tty: { type: "boolean", default: false }, env: { type: "array", items: { type: "string" }, default: [] } },
      },
    });
    expect(code).toContain('z.enum(["created", "running"])');
    expect(mod.StatusSchema!.safeParse("running").success).toBe(true);
    expect(mod.StatusSchema!.safeParse("paused").success).toBe(false);
    expect(mod.MixedSchema!.safeParse(1).success).toBe(true);
    expect(mod.MixedSchema!.safeParse(2).success).toBe(false);
    expect(mod.BothSchema!.parse({ a: "x", b: true, c: 1 })).toEqual({ a: "x", b: true, c: 1 });
    expect(mod.BothSchema!.safeParse({ b: true }).success).toBe(false);
    expect(mod.EitherSchema!.safeParse(["a"]).success).toBe(true);
    expect(mod.EitherSchema!.safeParse(1).success).toBe(false);
    expect(mod.NumbersSchema!.safeParse({ i32: 1.5 }).success).toBe(false);
    // int64 values beyond Number.MAX_SAFE_INTEGER (e.g. cgroup "unlimited") must still parse.
    expect(mod.NumbersSchema!.safeParse({ i64: 9223372036854771712, when: "0001-01-01T00:00:00Z", blob: new Uint8Array(1) }).success).toBe(
      true,
    );
    const parsed = mod.WithDefaultSchema!.parse({}) as { tty: boolean; env: string[] };
    expect(parsed).toEqual({ tty: false, env: [] });
    parsed.env.push("mutated");
    expect(mod.WithDefaultSchema!.parse({})).toEqual({ tty: false, env: [] });
  });

  it("handles cycles: self, mutual, and through a top-level array", async () => {
    const schemas = {
      Tree: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/components/schemas/Tree" } } },
      },
      Ping: { type: "object", properties: { pong: { $ref: "#/components/schemas/Pong" } } },
      Pong: { type: "object", properties: { ping: { $ref: "#/components/schemas/Ping" } } },
      Nested: { type: "array", items: { $ref: "#/components/schemas/Nested" } },
    };
    const { code, mod } = await loadZod(schemas);
    expect(code).toContain("get children()");
    expect(code).toContain("z.lazy(() => NestedSchema)");
    expect(code).not.toContain(": z.ZodType"); // JavaScript flavour
    expect(generateZodModule(schemas)).toContain("export const NestedSchema: z.ZodType =");
    expect(mod.TreeSchema!.safeParse({ name: "a", children: [{ name: "b", children: [{ name: "c" }] }] }).success).toBe(true);
    expect(mod.TreeSchema!.safeParse({ name: "a", children: [{ children: [] }] }).success).toBe(false);
    expect(mod.PingSchema!.safeParse({ pong: { ping: { pong: {} } } }).success).toBe(true);
    expect(mod.PingSchema!.safeParse({ pong: { ping: 1 } }).success).toBe(false);
    expect(mod.NestedSchema!.safeParse([[], [[]]]).success).toBe(true);
    expect(mod.NestedSchema!.safeParse([[1]]).success).toBe(false);
    expect(
      stronglyConnected(
        ["A", "B", "C"],
        new Map([
          ["A", ["B"]],
          ["B", ["A"]],
          ["C", ["A"]],
        ]),
      ),
    ).toEqual([["A", "B"], ["C"]]);
  });

  it("sanitises names and is independent of the input key order", async () => {
    const a = { "Weird-Name.v2": { type: "string" }, Zed: { type: "integer" }, Alpha: { $ref: "#/components/schemas/Zed" } };
    const b = { Alpha: { $ref: "#/components/schemas/Zed" }, Zed: { type: "integer" }, "Weird-Name.v2": { type: "string" } };
    const { code, mod } = await loadZod(a);
    expect(code).toContain("export const Weird_Name_v2Schema = z.string();");
    expect(code).toContain('"Weird-Name.v2": Weird_Name_v2Schema,');
    expect(mod.AlphaSchema!.safeParse(3).success).toBe(true);
    expect(generateZodModule(b)).toBe(generateZodModule(a));
  });
});

describe("overlay", () => {
  const doc = () => ({
    paths: {
      "/containers/{id}/wait": {
        post: {
          parameters: [
            { name: "id", in: "path" },
            { name: "condition", in: "query" },
          ],
          responses: { "200": { description: "ok", content: { "application/json": { schema: { type: "object" } } } } },
        },
      },
    },
    components: {
      schemas: {
        A: { properties: { x: { type: "array" }, y: { type: "array", nullable: false }, m: { additionalProperties: { type: "string" } } } },
      },
    },
  });
  const overlay = (actions: OverlayDocument["actions"]): OverlayDocument => ({
    overlay: "1.0.0",
    info: { title: "t", version: "1" },
    actions,
  });

  it("evaluates the supported JSONPath subset", () => {
    const d = doc();
    expect(queryJsonPath(d, "$.paths['/containers/{id}/wait'].post.parameters[?@.in == 'query'].name").map((n) => n.value)).toEqual([
      "condition",
    ]);
    expect(queryJsonPath(d, "$.paths.*.post.parameters[-1].name").map((n) => n.value)).toEqual(["condition"]);
    expect(queryJsonPath(d, "$..properties[?@.type == 'array' && @.nullable != false]").map((n) => n.key)).toEqual(["x"]);
    expect(queryJsonPath(d, "$..properties[?(@.additionalProperties)]").map((n) => n.key)).toEqual(["m"]);
    expect(queryJsonPath(d, "$.components.schemas.A.properties['x','y']")).toHaveLength(2);
    expect(queryJsonPath(d, "$.nope.deeper")).toEqual([]);
    expect(() => parseJsonPath("paths")).toThrow(/start with/);
    expect(() => parseJsonPath("$.a[?@.b > 1]")).toThrow(/Unsupported or invalid JSONPath/);
  });

  it("deep-merges updates, appends to arrays and removes nodes", () => {
    const d = doc();
    const log = applyOverlay(
      d,
      overlay([
        {
          target: "$.paths['/containers/{id}/wait'].post.responses['200'].content['application/json']",
          update: { "x-demo": "merged", schema: { nullable: true } },
        },
        { target: "$.paths['/containers/{id}/wait'].post.parameters", update: { name: "added", in: "query" } },
        { target: "$.paths['/containers/{id}/wait'].post.parameters[?@.name == 'id']", remove: true },
        { target: "$.components.schemas.A.properties.y", remove: true },
      ]),
    );
    expect(log.map((l) => l.matches)).toEqual([1, 1, 1, 1]);
    const op = d.paths["/containers/{id}/wait"].post;
    expect(op.responses["200"].content["application/json"]).toEqual({ "x-demo": "merged", schema: { type: "object", nullable: true } });
    expect(op.parameters.map((p) => p.name)).toEqual(["condition", "added"]);
    expect(Object.keys(d.components.schemas.A.properties)).toEqual(["x", "m"]);
  });

  it("fails when a target selects nothing, and skips actions outside their version range", () => {
    expect(() => applyOverlay(doc(), overlay([{ target: "$.components.schemas.Missing", update: { nullable: true } }]))).toThrow(
      /overlay action #1.*matched nothing/,
    );
    const log = applyOverlay(
      doc(),
      overlay([{ target: "$.components.schemas.Missing", "x-min-version": "1.41", update: { nullable: true } }]),
      { version: "1.25" },
    );
    expect(log[0]!.skipped).toBe(true);
    expect(() =>
      applyOverlay(doc(), overlay([{ target: "$.components", "x-max-version": "1.30", update: {} }]), { version: "1.41" }),
    ).not.toThrow();
  });

  it("validates overlay documents", () => {
    expect(validateOverlay(overlay([{ target: "$.a", update: {}, remove: true }]))).toEqual([
      "overlay action #1: exactly one of 'update' or 'remove: true' is required",
    ]);
    expect(validateOverlay({ actions: [] }).length).toBeGreaterThan(0);
    expect(validateOverlay(overlay([{ target: "$.a", update: {} }]), { requireRationale: true })).toHaveLength(2);
    expect(() => applyOverlay(doc(), overlay([{ target: "nope", update: {} }]))).toThrow(/Invalid overlay/);
  });

  it("the committed overlay is valid and every action says what and why", async () => {
    const committed = parseDocument(await readFile(defaultOverlay, "utf8"));
    expect(validateOverlay(committed, { requireRationale: true })).toEqual([]);
  });
});

describe("generation", () => {
  it("is deterministic: the fixture generates byte-identical files twice", async () => {
    const first = await generateFiles({ source: fixture });
    const second = await generateFiles({ source: fixture });
    const dirA = path.join(scratch, "det-a");
    const dirB = path.join(scratch, "det-b");
    await writeFiles(dirA, first.files);
    await writeFiles(dirB, second.files);
    expect(first.apiVersion).toBe("1.99");
    expect(Object.keys(first.files)).toEqual(["openapi.json", "schema.ts", "validate.ts", "zod.ts", "methods.ts", "index.ts"]);
    for (const name of Object.keys(first.files)) {
      expect(await readFile(path.join(dirB, name), "utf8"), name).toBe(await readFile(path.join(dirA, name), "utf8"));
    }
    for (const name of ["schema.ts", "validate.ts", "zod.ts", "index.ts"]) {
      expect(first.files[name]!.split("\n")[0]).toBe("// Generated by scripts/generate.mjs from mini-openapi.yaml — do not edit.");
    }
    expect(first.files["index.ts"]).toContain('export const apiVersion = "1.99";');
    expect(first.files["zod.ts"]).toContain(
      'export const ContainerSchema: z.ZodType<components["schemas"]["Container"]> = z.looseObject({',
    );
    expect(first.files["validate.ts"]).toContain(
      'export function validateContainer(value: unknown, issues?: ValidationIssue[]): value is S["Container"] {',
    );
    // The entry point exports the validators and never loads zod; zod.ts is a module of its own.
    expect(first.files["index.ts"]).toContain('export * from "./validate.js";');
    expect(first.files["index.ts"]).not.toContain("zod");
    expect(first.files["validate.ts"]).not.toMatch(/from "zod"/);
    expect(await diffAgainst(dirA, second.files)).toEqual([]);
    await writeFile(path.join(dirA, "zod.ts"), `${first.files["zod.ts"]}// edited\n`);
    await rm(path.join(dirA, "index.ts"));
    await writeFile(path.join(dirA, "stray.txt"), "x");
    expect((await diffAgainst(dirA, second.files)).map((p) => `${path.basename(p.file)} ${p.problem.split(" ")[0]}`)).toEqual([
      "zod.ts differs",
      "index.ts missing",
      "stray.txt unexpected",
    ]);
  });

  it("reads a spec from a URL with fetch", async () => {
    const body = await readFile(fixture, "utf8");
    const server = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const fromUrl = await generateFiles({ source: `http://127.0.0.1:${port}/specs/mini-openapi.yaml` });
      const fromFile = await generateFiles({ source: fixture });
      expect(fromUrl.files).toEqual(fromFile.files);
    } finally {
      server.close();
    }
  });

  it("CLI: writes, then --check passes, then fails with the list of changed files", async () => {
    const out = path.join(scratch, "cli");
    const script = path.join(repoRoot, "scripts/generate.mjs");
    const wrote = await run([script, "--spec", fixture, "--version", "2.5", "--out", out]);
    expect(wrote.code, wrote.stderr).toBe(0);
    expect(await readFile(path.join(out, "index.ts"), "utf8")).toContain('export const apiVersion = "2.5";');
    const clean = await run([script, "--spec", fixture, "--version", "2.5", "--out", out, "--check"]);
    expect(clean.code, clean.stderr).toBe(0);
    await writeFile(path.join(out, "schema.ts"), "// stale\n");
    const stale = await run([script, "--spec", fixture, "--version", "2.5", "--out", out, "--check"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/schema\.ts: differs/);
    expect(stale.stderr).not.toMatch(/zod\.ts/);
    const bad = await run([script, "--version", "latest"]);
    expect(bad.code).toBe(2);
  });

  it("output type-checks under strict TypeScript; zod outputs and validator guards are the openapi-typescript types", async () => {
    const dirs = [path.join(scratch, "tsc-fixture")];
    await writeFiles(dirs[0]!, (await generateFiles({ source: fixture })).files);
    for (const v of ["v1.10", "v1.41"]) {
      const committed = path.join(repoRoot, "generated", v);
      if (existsSync(path.join(committed, "index.ts"))) dirs.push(committed);
    }
    const files: string[] = [];
    for (const [i, dir] of dirs.entries()) {
      const doc = JSON.parse(await readFile(path.join(dir, "openapi.json"), "utf8")) as {
        components: { schemas: Record<string, unknown> };
      };
      const rel = (f: string) => `./${path.relative(scratch, path.join(dir, f)).split(path.sep).join("/")}`;
      const lines = [
        `import type { z } from 'zod';`,
        `import type { components } from '${rel("schema.js")}';`,
        `import * as Z from '${rel("zod.js")}';`,
        `import * as V from '${rel("index.js")}';`,
        `type S = components['schemas'];`,
        ...Object.keys(doc.components.schemas).flatMap((n) => {
          const id = n.replace(/[^\w$]/g, "_");
          return [
            `export const c_${id} = (v: z.output<typeof Z.${id}Schema>): S[${JSON.stringify(n)}] => v;`,
            `export const v_${id} = (v: unknown): S[${JSON.stringify(n)}] | undefined => (V.validate${id}(v) ? v : undefined);`,
          ];
        }),
      ];
      const compat = path.join(scratch, `compat-${i}.ts`);
      await writeFile(compat, `${lines.join("\n")}\n`);
      files.push(path.join(dir, "index.ts"), path.join(dir, "zod.ts"), compat);
    }
    const tsc = path.join(repoRoot, "node_modules/typescript/bin/tsc");
    const args = [
      "--noEmit",
      "--strict",
      "--exactOptionalPropertyTypes",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--skipLibCheck",
    ];
    const result = await run([tsc, ...args, ...files]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }, 180_000);

  it("js format: JavaScript beside .d.ts that Node imports without a loader and tsc checks without zod", async () => {
    const { files } = await generateFiles({ source: fixture, format: "js", zod: false });
    expect(Object.keys(files)).toEqual([
      "openapi.json",
      "schema.d.ts",
      "validate.js",
      "validate.d.ts",
      "methods.js",
      "methods.d.ts",
      "index.js",
      "index.d.ts",
    ]);
    expect(files["index.js"]!.split("\n")[0]).toBe('// @ts-self-types="./index.d.ts"');
    for (const name of ["schema.d.ts", "validate.d.ts", "methods.d.ts", "index.d.ts"]) {
      expect(files[name]!.split("\n")[0], name).toBe("// Generated by scripts/generate.mjs from mini-openapi.yaml — do not edit.");
    }
    const dir = path.join(scratch, "js-format");
    await writeFiles(dir, files);
    const mod = (await import(pathToFileURL(path.join(dir, "index.js")).href)) as Record<string, unknown>;
    expect(mod["apiVersion"]).toBe("1.99");
    // The method table loads as JavaScript too, with the validators the generic client checks answers with.
    const definition = mod["definition"] as { apiVersion: string; methods: Record<string, object>; validators: Record<string, unknown> };
    expect(definition.apiVersion).toBe("1.99");
    expect(Object.keys(definition.methods).length).toBeGreaterThan(0);
    expect(typeof definition.validators["validateContainer"]).toBe("function");
    const validate = mod["validateContainer"] as (v: unknown) => boolean;
    expect(validate({ Id: "x" })).toBe(true);
    expect(validate({ Id: 1 })).toBe(false);
    // A consumer in a directory where zod does not resolve: the output alone type-checks.
    const consumerDir = path.join(os.tmpdir(), `berth-generate-js-${process.pid}`);
    await mkdir(consumerDir, { recursive: true });
    try {
      await writeFiles(path.join(consumerDir, "gen"), files);
      const consumer = path.join(consumerDir, "use.ts");
      await writeFile(
        consumer,
        [
          `import { apiVersion, validateContainer, type components } from "./gen/index.js";`,
          `const value: unknown = JSON.parse("{}");`,
          `export const id: string | undefined = validateContainer(value) ? value.Id : undefined;`,
          `export const v: "1.99" = apiVersion;`,
          `export type C = components["schemas"]["Container"];`,
          "",
        ].join("\n"),
      );
      const tsc = path.join(repoRoot, "node_modules/typescript/bin/tsc");
      const args = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022"];
      const result = await run([tsc, ...args, consumer]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
    } finally {
      await rm(consumerDir, { recursive: true, force: true });
    }
    const withZod = await generateFiles({ source: fixture, format: "js", zod: true });
    expect(Object.keys(withZod.files)).toContain("zod.js");
    expect(withZod.files["zod.d.ts"]).toContain('from "zod"');
    await expect(generateFiles({ source: fixture, format: "cjs" as "js" })).rejects.toThrow(/unknown output format "cjs"/);
  }, 180_000);
});

describe("generator tools", () => {
  // Outside the repository, so that its own node_modules are not found by walking up.
  const base = path.join(os.tmpdir(), `berth-generate-tools-${process.pid}`);
  afterAll(() => rm(base, { recursive: true, force: true }));
  /** A directory whose node_modules holds the given tool versions. */
  function fakeProject(versions: Record<string, string>): string {
    const dir = path.join(base, `p${moduleCounter++}`);
    for (const [name, version] of Object.entries(versions)) {
      mkdirSync(path.join(dir, "node_modules", name), { recursive: true });
      writeFileSync(path.join(dir, "node_modules", name, "package.json"), JSON.stringify({ name, version }));
    }
    mkdirSync(path.join(dir, "src"), { recursive: true });
    return path.join(dir, "src");
  }
  const good = { "openapi-typescript": "7.13.0", swagger2openapi: "7.0.8", "js-yaml": "4.3.2", typescript: "5.9.3" };

  it("accepts the pinned majors and names a wrong major or a missing tool with the install line", async () => {
    expect(checkGeneratorTools(fakeProject(good))).toEqual(good);
    // What an unpinned install resolved to when this was written: js-yaml 5 and TypeScript 7.
    const wrong = fakeProject({ ...good, "js-yaml": "5.5.0", typescript: "7.0.2" });
    let error: unknown;
    try {
      checkGeneratorTools(wrong);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GeneratorToolError);
    expect((error as GeneratorToolError).tool).toBe("js-yaml");
    expect((error as Error).message).toContain("js-yaml 5.5.0 is installed, but the generator needs js-yaml 4.x");
    expect((error as Error).message).toContain("typescript 7.0.2 is installed, but the generator needs typescript 5.x");
    expect((error as Error).message).not.toMatch(/not installed/);
    expect((error as Error).message).toContain(INSTALL_LINE);
    const { swagger2openapi: _omitted, ...missing } = good;
    expect(() => checkGeneratorTools(fakeProject(missing))).toThrow(/swagger2openapi is not installed/);
    expect(INSTALL_LINE).toBe("npm install --save-dev openapi-typescript@7 swagger2openapi@7 js-yaml@4 typescript@5");
    // The repository's own tools pass.
    expect(Object.keys(checkGeneratorTools())).toEqual(Object.keys(good));
  });
});

describe("Swagger 2.0 upstream specs", () => {
  it("converts the 1.25 spec to OpenAPI 3 and applies the overlay", async () => {
    const { doc, apiVersion, report } = await buildDocument({
      source: path.join(upstream, "v1.25.yaml"),
      overlay: defaultOverlay,
    });
    expect(apiVersion).toBe("1.25");
    expect(report.converted).toBe(true);
    expect(String(doc.openapi)).toMatch(/^3\.0\./);
    expect(doc.swagger).toBeUndefined();
    expect(Object.keys(doc.paths)).toContain("/containers/{id}/json");
    expect(doc.paths["/containers/{id}/json"].get.responses["200"].content["application/json"].schema).toBeDefined();
    expect(doc.paths["/images/create"].post["x-berth-stream"]).toBe("json-lines");
    expect(doc.paths["/images/create"].post.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/CreateImageInfo",
    });
    expect(doc.paths["/exec/{id}/start"].post.responses["404"].content).toHaveProperty("application/json");
    // Actions for newer versions are skipped, none fails.
    expect(report.overlayLog.some((a) => a.skipped)).toBe(true);
    expect(report.overlayLog.filter((a) => !a.skipped).every((a) => a.matches > 0)).toBe(true);
    expect(JSON.stringify(doc)).not.toContain("x-nullable");
  }, 120_000);

  it("the null fixes reach the newest document (a client typed for it may negotiate down to Docker 20.10)", async () => {
    const { doc, report } = await buildDocument({ source: path.join(upstream, "v1.56.yaml"), overlay: defaultOverlay });
    const schemas = doc.components.schemas;
    expect(schemas.Volume.properties.Labels.nullable).toBe(true);
    expect(schemas.Volume.required).toContain("Labels");
    expect(schemas.DriverData.properties.Data.nullable).toBe(true);
    expect(schemas.ImageSummary.properties.Labels.nullable).toBe(true);
    expect(schemas.ImageSummary.properties.RepoDigests.nullable).toBe(true);
    expect(report.overlayLog.filter((a) => !a.skipped).every((a) => a.matches > 0)).toBe(true);
  }, 120_000);

  it("detects API versions and carries x-nullable next to $ref over", () => {
    expect(detectApiVersion({ swagger: "2.0", basePath: "/v1.41", info: { version: "x" } })).toBe("1.41");
    expect(detectApiVersion({ openapi: "3.0.3", info: { version: "1.10.0" } })).toBe("1.10");
    expect(detectApiVersion({ openapi: "3.0.3", info: { version: "dev" }, servers: [{ url: "http://h/v1.44" }] })).toBe("1.44");
    const d = {
      components: {
        schemas: {
          A: {
            properties: {
              n: { $ref: "#/components/schemas/B", "x-nullable": true, description: "d" },
              m: { $ref: "#/components/schemas/B", description: "ignored" },
            },
          },
        },
      },
    };
    expect(fixRefSiblings(d)).toEqual(["/components/schemas/A/properties/n", "/components/schemas/A/properties/m"]);
    expect(d.components.schemas.A.properties).toEqual({
      n: { allOf: [{ $ref: "#/components/schemas/B" }], nullable: true, description: "d" },
      m: { $ref: "#/components/schemas/B" },
    });
  });
});
