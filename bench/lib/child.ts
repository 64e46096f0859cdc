/**
 * Fresh child processes for the measurements that need one (streams: clean peak RSS; cold
 * start: nothing loaded yet), on Node, Bun or Deno. A child prints one JSON line as its last
 * line of stdout; anything before it is passed through as diagnostics.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The runtimes the benchmark runs on. */
export type RuntimeName = "node" | "bun" | "deno";

/** The repository root (bench/.. of the TypeScript sources, also when this runs compiled). */
export function repoRoot(): string {
  return process.env["BERTH_BENCH_REPO"] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
}

/**
 * The command that runs bench script `relative` (e.g. `scenarios/stream-child`) on `runtime`.
 * Node runs the compiled JavaScript next to this file when there is one (no loader in the
 * measured process), else the TypeScript through tsx. Bun and Deno run the TypeScript sources
 * directly, as `npx bun run` / `npx deno run -A` would (the binaries in node_modules/.bin are
 * called directly to leave npm's start-up out).
 */
export function scriptCommand(runtime: RuntimeName, relative: string): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = repoRoot();
  const source = path.join(root, "bench", `${relative}.ts`);
  if (runtime === "bun") return [path.join(root, "node_modules/.bin/bun"), "run", source];
  if (runtime === "deno") return [path.join(root, "node_modules/.bin/deno"), "run", "-A", "--v8-flags=--expose-gc", source];
  const compiled = path.join(here, "..", `${relative}.js`);
  if (existsSync(compiled)) return [process.execPath, "--expose-gc", compiled];
  return [process.execPath, "--expose-gc", "--import", "tsx", source];
}

/** How a process ended and what it printed. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Set when the process could not be started. */
  spawnError?: string | undefined;
}

/** Options of a child process. */
export interface ChildOptions {
  cwd?: string | undefined;
  /** Killed (SIGKILL) after this long. Default 180 s. */
  timeoutMs?: number | undefined;
  /** Added to this process's environment. */
  env?: Record<string, string> | undefined;
}

/** Runs a command to completion, collecting its output. */
export function runProcess(command: readonly string[], options: ChildOptions = {}): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd ?? repoRoot(),
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr, wallMs: performance.now() - started, spawnError: error.message });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

/** What a JSON-printing child reported. */
export interface ChildResult<T> {
  /** The parsed last line, if it was JSON. */
  value?: T | undefined;
  /** Why there is no value. */
  error?: string | undefined;
  wallMs: number;
}

/** Runs a command that prints one JSON line last, and parses that line. */
export async function runChild<T>(command: readonly string[], options: ChildOptions = {}): Promise<ChildResult<T>> {
  const result = await runProcess(command, options);
  if (result.spawnError) return { error: `spawn failed: ${result.spawnError}`, wallMs: result.wallMs };
  const last = result.stdout.trim().split("\n").pop() ?? "";
  try {
    return { value: JSON.parse(last) as T, wallMs: result.wallMs };
  } catch {
    const why = result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
    return { error: `${why}: ${errorLine(result.stderr || result.stdout)}`, wallMs: result.wallMs };
  }
}

/** The line of a crash's output that names the error (else its last lines). */
export function errorLine(output: string): string {
  const lines = output
    .trim()
    .split("\n")
    .map((l) => l.trim());
  const named = lines.filter((l) => /^(\w+)?(Error|Exception)\b|^error:/i.test(l) || /\w+Error: /.test(l));
  return (named.length ? named[named.length - 1]! : lines.slice(-3).join(" | ")).slice(0, 300);
}

/** Parses `--name value` arguments. */
export function parseArgs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) out[arg.slice(2)] = argv[i + 1] ?? "";
  }
  return out;
}

/** Command-line arguments after the script, on every runtime. */
export function scriptArgs(): string[] {
  const g = globalThis as { Deno?: { args: string[] } };
  return g.Deno ? g.Deno.args : process.argv.slice(2);
}
