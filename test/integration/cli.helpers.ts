/**
 * Running the `berth` CLI as a child process against the test daemon, the way a person runs it:
 * real argv, stdin, stdout/stderr and exit code. The CLI runs from source through tsx, so the
 * tests need no build.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { testDockerHost } from "../helpers/daemon.js";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The CLI's entry point. */
export const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/** What a finished run printed and returned. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes (for tar archives). */
  stdoutBytes: Buffer;
}

/** Options of `berth`. */
export interface CliOptions {
  /** Bytes for stdin; without it stdin is empty (closed). */
  input?: string | Buffer | undefined;
  /** Extra environment (DOCKER_HOST is the test daemon unless given). */
  env?: Record<string, string | undefined> | undefined;
  /** Kill the run after this many milliseconds (default 50 000). */
  timeoutMs?: number | undefined;
  cwd?: string | undefined;
}

/** The environment every run gets: the test daemon, no docker configuration of the machine's. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: testDockerHost(),
    DOCKER_CONFIG: "/nonexistent-berth-test-config",
    ...extra,
  };
  delete env["DOCKER_CONTEXT"];
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
  return env;
}

/** Starts `berth ARGS...` and returns the child (for long-running commands). */
export function startBerth(args: readonly string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cliEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs `berth ARGS...` to its end. */
export function berth(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = startBerth(args, options);
  return collect(child, options);
}

/** Waits for `child` to end and gathers its output. */
export function collect(child: ChildProcess, options: CliOptions = {}): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 50_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), stdoutBytes });
    });
  });
}

/** Resolves once `child`'s stdout contains `text` (or rejects after `timeoutMs`). */
export function waitForOutput(child: ChildProcess, text: string | RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (typeof text === "string" ? seen.includes(text) : text.test(seen)) {
        cleanup();
        resolve(seen);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${String(text)}; saw:\n${seen}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.removeListener("data", onData);
    };
    child.stdout!.on("data", onData);
  });
}

/** A shell word for `script -c` command lines. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
