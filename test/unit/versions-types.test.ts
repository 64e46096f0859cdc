/**
 * Type-level tests of the versioned clients against real generator output.
 *
 * The programs in test/types/ are what a user writes: one per API version (1.25 and 1.56
 * generated here from the upstream documents, 1.41 the committed generated/v1.41). They are
 * compiled with `tsc` against berth's sources, and must compile cleanly, which includes every
 * `// @ts-expect-error` being used. A copy of each with those directives neutralised must then
 * fail on exactly the directive lines, each error naming the mistake the directive quotes: so
 * a wrong parameter or field name is proven to fail for the right reason, not for any reason.
 *
 * The scratch directory lives under node_modules/.cache so that the generated `zod` import and
 * @types/node resolve from it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, rmdir, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { DockerApi } from "../../src/api.js";
import type { ExecConfig } from "../../src/exec/index.js";
import {
  createDockerApiV141,
  type ContainerCreateRequest,
  type ContainerInspectResponse,
  type ContainerSummary,
  type DockerApiV141,
  type ExecCreateRequest,
  type HostConfig,
  type paths as V141Paths,
} from "../../src/versions/v1.41.js";
import {
  strictApi,
  type JsonRequestBody,
  type JsonResponse,
  type PathsOf,
  type QueryParameters,
  type StrictClient,
} from "../../src/versions/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const upstream = path.resolve(repoRoot, "vendor/moby-api");
const scratch = path.join(repoRoot, "node_modules/.cache/berth-type-tests", `run-${process.pid}`);
const tscBin = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Each version's program and where its generated types come from. */
const VERSIONS = [
  { version: "1.25", spec: "v1.25.yaml" },
  { version: "1.41", committed: "generated/v1.41" },
  { version: "1.56", spec: "v1.56.yaml" },
] as const;

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

interface Diagnostic {
  file: string;
  line: number;
  text: string;
}

/** tsc's `file(line,col): error TSnnnn: message` lines, each with its indented continuation lines. */
function parseDiagnostics(output: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split("\n")) {
    const match = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
    if (match) diagnostics.push({ file: path.resolve(repoRoot, match[1]!), line: Number(match[2]), text: match[3]! });
    else if (/^\s/.test(line) && diagnostics.length > 0) diagnostics.at(-1)!.text += `\n${line}`;
  }
  return diagnostics;
}

/** Lines (1-based) right after each `@ts-expect-error`, with the name the directive quotes. */
function expectations(source: string): { line: number; name: string }[] {
  return source.split("\n").flatMap((text, index) => {
    const match = /\/\/ @ts-expect-error -- "([^"]+)"/.exec(text);
    return match ? [{ line: index + 2, name: match[1]! }] : [];
  });
}

let diagnostics: Diagnostic[] = [];
let tscOutput = "";
const programs = new Map<string, { checked: string; unchecked: string; source: string }>();

beforeAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  await Promise.all(
    VERSIONS.map(async (entry) => {
      const dir = path.join(scratch, `v${entry.version}`);
      await mkdir(dir, { recursive: true });
      if ("committed" in entry) {
        await symlink(path.join(repoRoot, entry.committed), path.join(dir, "generated"), "dir");
      } else {
        const spec = path.join(upstream, entry.spec);
        if (!existsSync(spec)) throw new Error(`missing upstream document ${spec} (the generator tests need it too)`);
        const generated = await run(path.join(repoRoot, "scripts/generate.mjs"), [
          "--spec",
          spec,
          "--version",
          entry.version,
          "--out",
          path.join(dir, "generated"),
        ]);
        if (generated.code !== 0) throw new Error(`generating v${entry.version} failed:\n${generated.output}`);
      }
      const template = await readFile(path.join(repoRoot, `test/types/client-v${entry.version}.ts`), "utf8");
      // The templates start with `// @ts-nocheck` so that the repo's own tsc skips them.
      const source = template.replace(/^\/\/ @ts-nocheck[^\n]*\n/, "");
      const checked = path.join(dir, "program.ts");
      const unchecked = path.join(dir, "program-without-directives.ts");
      await writeFile(checked, source);
      await writeFile(unchecked, source.replaceAll("// @ts-expect-error", "// (expect-error)"));
      programs.set(entry.version, { checked, unchecked, source });
    }),
  );
  const src = (file: string) => [path.join(repoRoot, "src", file)];
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2023", "DOM", "DOM.Iterable", "DOM.AsyncIterable"],
      types: ["node"],
      strict: true,
      noUncheckedIndexedAccess: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
      // The import names a user would have with berth's package exports.
      paths: {
        "berth-docker": src("index.ts"),
        "berth-docker/attach": src("attach/index.ts"),
        "berth-docker/exec": src("exec/index.ts"),
        "berth-docker/logs": src("logs/index.ts"),
        "berth-docker/versions": src("versions/index.ts"),
        "berth-docker/v1.41": src("versions/v1.41.ts"),
      },
    },
    files: [...programs.values()].flatMap((p) => [p.checked, p.unchecked]),
  };
  await writeFile(path.join(scratch, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const result = await run(tscBin, ["-p", path.join(scratch, "tsconfig.json")]);
  tscOutput = result.output;
  diagnostics = parseDiagnostics(result.output);
}, 60_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await rmdir(path.dirname(scratch)).catch(() => {}); // only if no other run is using it
});

describe.each(VERSIONS.map((entry) => entry.version))("program against API %s", (version) => {
  it("compiles, every @ts-expect-error used", () => {
    const { checked } = programs.get(version)!;
    const elsewhere = diagnostics.filter((d) => !d.file.endsWith("program-without-directives.ts"));
    expect(
      elsewhere.filter((d) => d.file !== checked),
      "errors outside the programs (in berth's sources?)",
    ).toEqual([]);
    expect(elsewhere.filter((d) => d.file === checked).map((d) => `${d.line}: ${d.text}`)).toEqual([]);
  });

  it("without the directives, fails exactly on those lines, each naming its mistake", () => {
    const { unchecked, source } = programs.get(version)!;
    const expected = expectations(source);
    expect(expected.length).toBeGreaterThanOrEqual(8);
    const errors = diagnostics.filter((d) => d.file === unchecked);
    expect(
      [...new Set(errors.map((d) => d.line))].sort((a, b) => a - b),
      tscOutput,
    ).toEqual(expected.map((e) => e.line));
    for (const { line, name } of expected) {
      const text = errors
        .filter((d) => d.line === line)
        .map((d) => d.text)
        .join("\n");
      expect(text, `line ${line} should mention "${name}"`).toContain(name);
    }
  });
});

describe("the committed v1.41 types (expectTypeOf, checked by the repo's tsc)", () => {
  it("createDockerApiV141 is a DockerApi of the v1.41 paths", () => {
    expectTypeOf(createDockerApiV141).returns.toEqualTypeOf<DockerApiV141>();
    expectTypeOf<DockerApiV141>().toEqualTypeOf<DockerApi<V141Paths>>();
    expectTypeOf<PathsOf<DockerApiV141>>().toEqualTypeOf<V141Paths>();
    // It goes wherever berth takes any client.
    expectTypeOf<DockerApiV141>().toExtend<DockerApi<any>>();
  });

  it("friendly aliases are the generated shapes", () => {
    expectTypeOf<ContainerCreateRequest>().toEqualTypeOf<JsonRequestBody<V141Paths, "/containers/create", "post">>();
    expectTypeOf<ContainerCreateRequest["HostConfig"]>().toEqualTypeOf<HostConfig | undefined>();
    expectTypeOf<HostConfig["CgroupnsMode"]>().toEqualTypeOf<"private" | "host" | undefined>();
    expectTypeOf<ContainerInspectResponse["State"]>().not.toBeAny();
    expectTypeOf<ContainerSummary["Names"]>().toEqualTypeOf<string[] | null | undefined>();
    expectTypeOf<QueryParameters<V141Paths, "/containers/json", "get">["filters"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<JsonResponse<V141Paths, "/containers/create", "post", 201>>().toEqualTypeOf<{ Id: string; Warnings: string[] }>();
    expectTypeOf<ExecConfig<V141Paths>>().toEqualTypeOf<ExecCreateRequest>();
    expectTypeOf<ExecCreateRequest>().not.toHaveProperty("ConsoleSize");
  });

  it("the strict client keeps openapi-fetch's success types and checks arguments exactly", () => {
    type Api = StrictClient<V141Paths>;
    type Lenient = DockerApiV141["api"];
    const inspect = (api: Api) => api.GET("/containers/{id}/json", { params: { path: { id: "x" } } });
    const inspectLenient = (api: Lenient) => api.GET("/containers/{id}/json", { params: { path: { id: "x" } } });
    expectTypeOf<Awaited<ReturnType<typeof inspect>>>().toEqualTypeOf<Awaited<ReturnType<typeof inspectLenient>>>();
    // berth throws on error statuses, so a resolved call's data is the success body: no `!`.
    expectTypeOf<Awaited<ReturnType<typeof inspect>>["data"]>().toExtend<ContainerInspectResponse>();
    expectTypeOf<undefined>().not.toExtend<Awaited<ReturnType<typeof inspect>>["data"]>();
    const logs = (api: Api) =>
      api.GET("/containers/{id}/logs", { params: { path: { id: "x" }, query: { follow: true } }, parseAs: "stream" });
    expectTypeOf<Awaited<ReturnType<typeof logs>>["data"]>().toEqualTypeOf<Response["body"]>();
    expectTypeOf(strictApi<V141Paths>).returns.toEqualTypeOf<Api>();
    // A client without types keeps openapi-fetch's permissive one.
    expectTypeOf<StrictClient<any>>().toEqualTypeOf<DockerApi<any>["api"]>();
    const typos = (api: Api) => {
      // @ts-expect-error -- misspelled query parameter next to a valid one
      void api.GET("/containers/json", { params: { query: { all: true, limt: 5 } } });
      // @ts-expect-error -- misspelled nested body field
      void api.POST("/containers/create", { body: { Image: "x", HostConfig: { NetworkMod: "none" } } });
    };
    expect(typeof typos).toBe("function");
  });
});
