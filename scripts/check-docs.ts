/**
 * scripts/check-docs.ts - the README's examples are real programs (`npm run check-docs`; a step
 * of npm test).
 *
 * 1. Every `<!-- example: examples/NAME.ts -->` block of README.md holds exactly that file, in a
 *    ```ts fence, up to its `<!-- /example -->`; every file of examples/ appears in the README.
 *    `--fix` rewrites the blocks from the files instead of failing.
 * 2. The examples type-check (`tsc -p examples`), against the built package.
 * 3. Each example runs on Node (tsx), Bun and Deno against the test daemon, and must exit 0 with
 *    no error output. A first line `// runtimes: deno` (or `bun`, `node`) limits where a
 *    runtime-specific example runs. The examples import `berth` by its package name, which
 *    resolves to this package's own build (package self-reference): dist/ is built first when
 *    it is older than the sources.
 *
 * Environment: BERTH_TEST_DOCKER_HOST (passed to the examples as DOCKER_HOST),
 * BERTH_TEST_IMAGE (as EXAMPLE_IMAGE), BERTH_TEST_REGISTRY (as EXAMPLE_REGISTRY).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const README = join(ROOT, "README.md");
const EXAMPLES = join(ROOT, "examples");
const RUNTIMES = ["node", "bun", "deno"] as const;
type RuntimeName = (typeof RUNTIMES)[number];

const BLOCK = /<!-- example: (\S+) -->\n([\s\S]*?)<!-- \/example -->/g;

let passed = 0;
let failed = 0;
function report(ok: boolean, name: string, detail = ""): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `\n${detail.replace(/^/gm, "     ")}` : ""}`);
}

/** The README block for a file: its text in a ts fence. */
export function fenced(source: string): string {
  return "```ts\n" + (source.endsWith("\n") ? source : `${source}\n`) + "```\n";
}

/** The runtimes a file's `// runtimes:` first line allows (all when absent). */
export function runtimesOf(source: string): RuntimeName[] {
  const match = /^\/\/ runtimes: (.+)$/m.exec(source.split("\n", 1)[0] ?? "");
  if (!match) return [...RUNTIMES];
  return match[1]!.split(/[\s,]+/).filter((name): name is RuntimeName => (RUNTIMES as readonly string[]).includes(name));
}

function checkReadme(fix: boolean): string[] {
  const readme = readFileSync(README, "utf8");
  const named = new Set<string>();
  let changed = false;
  const updated = readme.replace(BLOCK, (whole, file: string, body: string) => {
    named.add(file);
    const path = join(ROOT, file);
    if (!existsSync(path)) {
      report(false, `README block ${file}`, "the file does not exist");
      return whole;
    }
    const expected = fenced(readFileSync(path, "utf8"));
    if (body === expected) {
      report(true, `README block ${file} equals the file`);
      return whole;
    }
    if (fix) {
      changed = true;
      report(true, `README block ${file} rewritten from the file (--fix)`);
      return `<!-- example: ${file} -->\n${expected}<!-- /example -->`;
    }
    report(false, `README block ${file} equals the file`, "it differs: run `npm run check-docs -- --fix` to copy the file in");
    return whole;
  });
  if (changed) writeFileSync(README, updated);
  const files = readdirSync(EXAMPLES)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => `examples/${name}`)
    .sort();
  for (const file of files) if (!named.has(file)) report(false, `${file} is shown in the README`, "no <!-- example: --> block names it");
  return files;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000) {
  return spawnSync(command, args, { cwd: ROOT, env, encoding: "utf8", timeout: timeoutMs });
}

/** Builds dist/ when it is missing or older than src/ and generated/. */
function ensureBuild(): void {
  const marker = join(ROOT, "dist", "src", "index.js");
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const path = join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  if (existsSync(marker) && statSync(marker).mtimeMs >= Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "generated")))) return;
  console.log("building dist/ (the examples import the built package)");
  const build = run("npm", ["run", "--silent", "build"], process.env, 300_000);
  report(build.status === 0, "npm run build", build.status === 0 ? "" : `${build.stdout}${build.stderr}`);
  if (build.status !== 0) finish();
}

function finish(): never {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

function main(): void {
  const fix = process.argv.includes("--fix");
  const files = checkReadme(fix);

  const host = process.env["BERTH_TEST_DOCKER_HOST"];
  if (!host) {
    report(false, "BERTH_TEST_DOCKER_HOST is set", 'run through npm test, or eval "$(bash scripts/daemon.sh env)" first');
    finish();
  }
  ensureBuild();

  const tsc = run(
    process.execPath,
    [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(EXAMPLES, "tsconfig.json")],
    process.env,
  );
  report(tsc.status === 0, "examples type-check (tsc -p examples)", tsc.status === 0 ? "" : `${tsc.stdout}${tsc.stderr}`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: host,
    EXAMPLE_IMAGE: process.env["BERTH_TEST_IMAGE"] ?? "berth-test/busybox:latest",
    EXAMPLE_REGISTRY: process.env["BERTH_TEST_REGISTRY"] ?? "127.0.0.1:5055",
    NO_COLOR: "1",
  };
  delete env["DOCKER_CONTEXT"];
  const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);
  const commands: Record<RuntimeName, (file: string) => [string, string[]]> = {
    node: (file) => [process.execPath, ["--import", "tsx", file]],
    bun: (file) => [bin("bun"), [file]],
    deno: (file) => [bin("deno"), ["run", "-A", file]],
  };
  for (const file of files) {
    for (const runtime of runtimesOf(readFileSync(join(ROOT, file), "utf8"))) {
      const [command, args] = commands[runtime](file);
      const started = Date.now();
      const result = run(command, args, env);
      const ok = result.status === 0 && result.stderr.trim() === "";
      const output = `${result.stdout}${result.stderr}`.trim();
      report(
        ok,
        `${relative(ROOT, join(ROOT, file))} on ${runtime} (${Date.now() - started} ms)`,
        ok ? output.split("\n").slice(0, 3).join("\n") : `exit ${result.status ?? result.signal}\n${output || String(result.error ?? "")}`,
      );
    }
  }
  finish();
}

main();
