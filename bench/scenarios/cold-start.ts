/**
 * Scenario 6, cold start: a fresh process imports the package and makes its first request
 * (a ping). Each contender's script lives in the directory its package was installed into (so
 * the bare import resolves as in a user's project); the processes are interleaved, after one
 * unrecorded round that warms the file cache. Reported: the import, import + first request,
 * and the whole process (spawn to exit, runtime start-up included).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BUN_UNDICI } from "../clients/node-sdk.js";
import type { ClientName } from "../clients/types.js";
import { runChild, runProcess, type RuntimeName } from "../lib/child.js";
import type { BenchTarget } from "../lib/daemon.js";
import { workDir, type InstalledPackage } from "../lib/packages.js";
import { interleaved } from "../lib/measure.js";
import { summarize, type Summary } from "../lib/stats.js";

/** Counts of the scenario. */
export interface ColdStartOptions {
  /** Recorded processes per contender. */
  processes: number;
}

/** What one cold process reports. */
interface ColdSample {
  importMs: number;
  requestMs: number;
  /** `performance.now()` at the end: since the runtime's time origin (process start). */
  sinceStartMs: number;
  /** Which API made the request, where a contender has a choice. */
  via?: string | undefined;
}

/** One contender's numbers. */
export interface ColdStartRow {
  client: ClientName;
  error?: string | undefined;
  importMs?: Summary | undefined;
  importAndRequestMs?: Summary | undefined;
  processWallMs?: Summary | undefined;
  /** How the package was imported (a file path when its exports are broken). */
  entry?: string | undefined;
  /** Which API made the first request, where a contender has a choice. */
  via?: string | undefined;
}

/** The scenario's result on one runtime. */
export interface ColdStartResult {
  runtime: RuntimeName;
  processes: number;
  rows: ColdStartRow[];
  /** Node only: the modules `import` loads, per package (what the import time is spent compiling). */
  modules?: ModuleLoad[] | undefined;
}

/** The files one contender's import loaded from one package. */
export interface ModuleLoad {
  client: ClientName;
  /** Package name; for the contender's own package, its folder two levels deep (`berth/dist/src`). */
  from: string;
  files: number;
  /** Source bytes. */
  bytes: number;
}

/** Module loader hooks (Node's `module.register`) that append every loaded file URL and its source size to $BERTH_BENCH_LOADED_LIST. */
const LOADED_LIST_HOOKS = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  const result = await next(url, context);
  if (url.startsWith("file:")) appendFileSync(process.env.BERTH_BENCH_LOADED_LIST, url + " " + (result.source ? result.source.length : 0) + "\\n");
  return result;
}
`;

/** Which files importing each contender's package loads (Node), grouped by package. */
async function moduleLoads(contenders: readonly { name: ClientName; entry: string; cwd: string }[], work: string): Promise<ModuleLoad[]> {
  const hooks = path.join(work, "loaded-list-hooks.mjs");
  const register = path.join(work, "loaded-list-register.mjs");
  writeFileSync(hooks, LOADED_LIST_HOOKS);
  // ESM files pass the load hook; CommonJS files (dockerode) are seen where Node compiles them.
  writeFileSync(
    register,
    `import Module, { register } from "node:module";
import { appendFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
register(${JSON.stringify(pathToFileURL(hooks).href)});
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  appendFileSync(process.env.BERTH_BENCH_LOADED_LIST, pathToFileURL(filename).href + " " + content.length + "\\n");
  return compile.call(this, content, filename);
};
`,
  );
  const loads: ModuleLoad[] = [];
  for (const c of contenders) {
    if (c.name === "raw") continue;
    const list = path.join(work, `loaded-${c.name}.txt`);
    const script = path.join(c.cwd, `import-${c.name}.mjs`);
    writeFileSync(list, "");
    writeFileSync(script, `await import(${JSON.stringify(c.entry.startsWith("/") ? pathToFileURL(c.entry).href : c.entry)});\n`);
    await runProcess([process.execPath, "--import", register, script], {
      cwd: c.cwd,
      env: { BERTH_BENCH_LOADED_LIST: list },
      timeoutMs: 60_000,
    });
    // A CommonJS file imported from ESM is listed twice (load hook without source, then compiled): keep the larger size.
    const sizes = new Map<string, number>();
    for (const line of readFileSync(list, "utf8").split("\n")) {
      const [url, size] = line.split(" ");
      if (url && url !== pathToFileURL(script).href) sizes.set(url, Math.max(sizes.get(url) ?? 0, Number(size) || 0));
    }
    const byPackage = new Map<string, { files: number; bytes: number }>();
    for (const [url, size] of sizes) {
      const file = fileURLToPath(url);
      const at = file.lastIndexOf("/node_modules/");
      if (at < 0) continue;
      const parts = file.slice(at + "/node_modules/".length).split("/");
      const name = parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
      const own = c.entry === name || c.entry.startsWith(`${name}/`) || (c.name === "berth" && name === "berth");
      // The contender's own files by folder, two levels into the package (`berth/dist/src`).
      const from = own
        ? parts
            .slice(0, -1)
            .slice(0, name.split("/").length + 2)
            .join("/")
        : name;
      const entry = byPackage.get(from) ?? { files: 0, bytes: 0 };
      entry.files++;
      entry.bytes += size;
      byPackage.set(from, entry);
    }
    for (const [from, { files, bytes }] of [...byPackage].sort((a, b) => b[1].bytes - a[1].bytes))
      loads.push({ client: c.name, from, files, bytes });
  }
  return loads;
}

/** The first request of each contender, as module source (`m` is the imported module). */
const FIRST_REQUEST: Record<ClientName, string> = {
  // The Go-surface client where the package exports it, else the low-level client.
  berth: `if (m.DockerClient) {
    via = "DockerClient";
    await new m.DockerClient({ host }).ping();
  } else {
    via = "createDockerApi (the package does not export DockerClient)";
    const { error } = await m.createDockerApi({ host, preferredVersion: "1.41" }).api.GET("/_ping", { parseAs: "text" });
    if (error) throw new Error(String(error));
  }`,
  "berth-generic": `await m.createDockerV141({ host }).system.ping();`,
  "berth-api": `const { error } = await m.createDockerApi({ host, preferredVersion: "1.41" }).api.GET("/_ping", { parseAs: "text" });
  if (error) throw new Error(String(error));`,
  dockerode: `await new m.default({ socketPath: host.slice("unix://".length) }).ping();`,
  "node-sdk": `const docker = await m.DockerClient.fromDockerHost(host);
  await docker.systemPing().catch((error) => {
    if (globalThis.Bun && /ECONNREFUSED/.test(String(error))) throw new Error(${JSON.stringify(BUN_UNDICI)});
    throw error;
  });`,
  raw: `await new Promise((resolve, reject) => {
    const req = m.default.request({ socketPath: host.slice("unix://".length), path: "/v1.41/_ping" }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    req.end();
  });`,
};

function coldScript(client: ClientName, specifier: string): string {
  return `// Written by bench/scenarios/cold-start.ts: import ${client} and make one request.
const host = process.env.BERTH_BENCH_COLD_HOST;
let via;
const t0 = performance.now();
const m = await import(${JSON.stringify(specifier)});
const t1 = performance.now();
${FIRST_REQUEST[client]}
const t2 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, requestMs: t2 - t1, sinceStartMs: t2, via }));
process.exit(0);
`;
}

function runtimeCommand(runtime: RuntimeName, script: string, root: string): string[] {
  if (runtime === "bun") return [path.join(root, "node_modules/.bin/bun"), "run", script];
  if (runtime === "deno") return [path.join(root, "node_modules/.bin/deno"), "run", "-A", script];
  return [process.execPath, script];
}

/** The `berth-docker/v1.41` entry beside berth's main entry (a package name or the bundle's path). */
function genericEntry(main: string): string {
  return main.startsWith("/") ? main.replace(/src\/index\.js$/, "src/versions/v1.41.js") : `${main}/v1.41`;
}

/** Runs the scenario on `runtime` for the installed packages (`raw` needs none: it runs in berth's directory). */
export async function runColdStart(
  target: BenchTarget,
  runtime: RuntimeName,
  installed: Partial<Record<ClientName, InstalledPackage>>,
  clients: readonly ClientName[],
  options: ColdStartOptions,
  repo: string,
): Promise<ColdStartResult> {
  const contenders: { name: ClientName; command: string[]; cwd: string; entry: string }[] = [];
  const rows = new Map<ClientName, ColdStartRow>();
  for (const client of clients) {
    const pkg = client === "raw" || client === "berth-api" || client === "berth-generic" ? installed.berth : installed[client];
    if (!pkg) {
      rows.set(client, { client, error: "package not installed (see footprint)" });
      continue;
    }
    // The generated client is its own entry point (berth-docker/v1.41), beside the main one.
    const entry = client === "raw" ? "node:http" : client === "berth-generic" ? genericEntry(pkg.entry) : pkg.entry;
    const script = path.join(pkg.dir, `cold-${client}.mjs`);
    writeFileSync(script, coldScript(client, entry.startsWith("/") ? `file://${entry}` : entry));
    contenders.push({ name: client, command: runtimeCommand(runtime, script, repo), cwd: pkg.dir, entry });
  }
  const env = { BERTH_BENCH_COLD_HOST: target.host };
  const samples = await interleaved(contenders, { warmup: 1, reps: options.processes }, async (c) => {
    const result = await runChild<ColdSample>(c.command, { cwd: c.cwd, env, timeoutMs: 60_000 });
    return result.value ? { ...result.value, wallMs: result.wallMs } : { error: result.error ?? "no output" };
  });
  for (const c of contenders) {
    const all = samples.get(c.name)!;
    const failed = all.find((s): s is { error: string } => "error" in s);
    const ok = all.filter((s): s is ColdSample & { wallMs: number } => !("error" in s));
    rows.set(
      c.name,
      failed
        ? { client: c.name, error: failed.error, entry: c.entry }
        : {
            client: c.name,
            importMs: summarize(ok.map((s) => s.importMs)),
            importAndRequestMs: summarize(ok.map((s) => s.importMs + s.requestMs)),
            processWallMs: summarize(ok.map((s) => s.wallMs)),
            entry: c.entry,
            via: ok[0]?.via,
          },
    );
  }
  const modules = runtime === "node" ? await moduleLoads(contenders, workDir()) : undefined;
  return { runtime, processes: options.processes, rows: clients.map((client) => rows.get(client)!), modules };
}
