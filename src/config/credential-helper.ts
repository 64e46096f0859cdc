/**
 * Running a docker credential helper (`docker-credential-<suffix> get|list`), following the
 * protocol of docker/docker-credential-helpers `client.Get` and `client.List`:
 *
 * - `get`: the server URL is written to the helper's stdin (no newline) and stdin is closed;
 * - on success stdout is JSON `{"ServerURL", "Username", "Secret"}` (field names matched
 *   ignoring case, as Go decodes them); a `Username` of `<token>` means `Secret` is an identity
 *   token (docker/cli `native_store.go`);
 * - on failure the helper exits non-zero and prints its error on stdout; exactly
 *   `credentials not found in native keychain` means "no credentials", which is not an error;
 * - `list`: stdin is `unused`, stdout a JSON object of server URL → username.
 *
 * The process is started with `node:child_process`, which Bun and Deno implement too.
 */
import type { spawn } from "node:child_process";
import type { DockerEnv } from "../env.js";
import { field } from "./config-file.js";
import { CredentialHelperError } from "./errors.js";

/** What one helper run is asked to do. */
export interface HelperInvocation {
  /** Program name, looked up on `PATH`: `docker-credential-<suffix>`. */
  program: string;
  /** The helper action; berth only reads (`store` and `erase` are never run). */
  action: "get" | "list";
  /** Written to stdin: the server URL for `get`, `unused` for `list`. */
  input: string;
  /** Environment for the child (PATH lookup included); the process's own when undefined. */
  env: DockerEnv | undefined;
  /** Kill the helper after this many milliseconds. */
  timeoutMs: number;
}

/** What a helper run produced. */
export interface HelperOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a helper; replaceable for tests or for sandboxes that cannot spawn processes. */
export type RunCredentialHelper = (invocation: HelperInvocation) => Promise<HelperOutput>;

/** Credentials a helper returned. */
export interface HelperCredentials {
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** The standard "not found" answer (docker-credential-helpers `errCredentialsNotFoundMessage`). */
export const CREDENTIALS_NOT_FOUND_MESSAGE = "credentials not found in native keychain";
/** The CLI's marker username for identity tokens. */
export const TOKEN_USERNAME = "<token>";
/** Default helper timeout: generous, since a helper may wait for a keychain prompt. */
export const DEFAULT_HELPER_TIMEOUT_MS = 60_000;

const MAX_OUTPUT_BYTES = 1024 * 1024;

/** Program name of a helper suffix: `desktop` → `docker-credential-desktop`. */
export function helperProgram(suffix: string): string {
  return `docker-credential-${suffix}`;
}

/**
 * Asks a helper for a server's credentials.
 * @returns undefined when the helper has none for `serverUrl`.
 * @throws CredentialHelperError when the helper is missing, fails, times out or answers garbage.
 *   The error never contains what the helper printed if that looks like credentials.
 */
export async function getFromHelper(
  suffix: string,
  serverUrl: string,
  run: RunCredentialHelper,
  env: DockerEnv | undefined,
  timeoutMs: number,
): Promise<HelperCredentials | undefined> {
  const program = helperProgram(suffix);
  const output = await run({ program, action: "get", input: serverUrl, env, timeoutMs });
  if (output.exitCode !== 0) {
    const said = output.stdout.trim();
    if (said === CREDENTIALS_NOT_FOUND_MESSAGE) return undefined;
    const shown = said || output.stderr.trim();
    throw new CredentialHelperError(
      program,
      "get",
      serverUrl,
      `exited with code ${output.exitCode}: ${describeOutput(shown)}`,
      output.exitCode,
    );
  }
  let answer: unknown;
  try {
    answer = JSON.parse(output.stdout);
  } catch {
    // Never echo the text or JSON.parse's message: both may contain the secret.
    throw new CredentialHelperError(program, "get", serverUrl, "answered with output that is not JSON");
  }
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) {
    throw new CredentialHelperError(program, "get", serverUrl, "answered with JSON that is not an object");
  }
  const record = answer as Record<string, unknown>;
  const username = field(record, "Username");
  const secret = field(record, "Secret");
  const user = typeof username === "string" ? username : "";
  const pass = typeof secret === "string" ? secret : "";
  if (user === TOKEN_USERNAME) return pass ? { identitytoken: pass } : {};
  const credentials: HelperCredentials = {};
  if (user) credentials.username = user;
  if (pass) credentials.password = pass;
  return credentials;
}

/**
 * Asks a helper which servers it holds credentials for (`list`).
 * @throws CredentialHelperError as `getFromHelper`.
 */
export async function listFromHelper(
  suffix: string,
  run: RunCredentialHelper,
  env: DockerEnv | undefined,
  timeoutMs: number,
): Promise<string[]> {
  const program = helperProgram(suffix);
  const output = await run({ program, action: "list", input: "unused", env, timeoutMs });
  if (output.exitCode !== 0) {
    const shown = output.stdout.trim() || output.stderr.trim();
    throw new CredentialHelperError(
      program,
      "list",
      undefined,
      `exited with code ${output.exitCode}: ${describeOutput(shown)}`,
      output.exitCode,
    );
  }
  let answer: unknown;
  try {
    answer = JSON.parse(output.stdout);
  } catch {
    throw new CredentialHelperError(program, "list", undefined, "answered with output that is not JSON");
  }
  if (typeof answer !== "object" || answer === null || Array.isArray(answer)) {
    throw new CredentialHelperError(program, "list", undefined, "answered with JSON that is not an object");
  }
  return Object.keys(answer);
}

/**
 * Text a helper printed, for an error message: never quoted. A helper that fails may print the
 * bare secret (issue 16 item 3), and no word filter can tell a password from an error message;
 * run the helper by hand (`echo <server> | docker-credential-<name> get`) to see what it said.
 */
function describeOutput(text: string): string {
  if (text === "") return "(no output)";
  return `${text.length} characters of output withheld (they may contain credentials)`;
}

/** The default runner: `spawn(program, [action])`, input on stdin, stdout and stderr collected. */
export const spawnCredentialHelper: RunCredentialHelper = async (invocation) => {
  // Loaded on first use, not by `import "berth"` (cold start): most programs never run a helper.
  const { spawn } = await import("node:child_process");
  return new Promise<HelperOutput>((resolve, reject) => {
    const { program, action, input, env, timeoutMs } = invocation;
    const registry = action === "get" ? input : undefined;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(program, [action], { env: env ? definedOnly(env) : undefined, stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    } catch (error) {
      reject(spawnError(program, action, registry, error));
      return;
    }
    const stdout: Uint8Array[] = [];
    const stderr: Uint8Array[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let settled = false;
    const finish = (error: CredentialHelperError | undefined, exitCode?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        reject(error);
        return;
      }
      const decoder = new TextDecoder();
      resolve({ exitCode: exitCode ?? 1, stdout: decoder.decode(concat(stdout)), stderr: decoder.decode(concat(stderr)) });
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(new CredentialHelperError(program, action, registry, `timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on("data", (chunk: Uint8Array) => {
      stdoutBytes += chunk.byteLength;
      if (stdoutBytes > MAX_OUTPUT_BYTES) {
        child.kill("SIGKILL");
        finish(new CredentialHelperError(program, action, registry, "printed more than 1 MiB"));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr!.on("data", (chunk: Uint8Array) => {
      stderrBytes += chunk.byteLength;
      if (stderrBytes <= 64 * 1024) stderr.push(chunk);
    });
    child.on("error", (error) => finish(spawnError(program, action, registry, error)));
    child.on("close", (code, signal) => {
      if (code === null) finish(new CredentialHelperError(program, action, registry, `killed by ${signal ?? "a signal"}`));
      else finish(undefined, code);
    });
    // A helper that exits without reading stdin makes this write fail with EPIPE: its exit code tells.
    child.stdin!.on("error", () => {});
    child.stdin!.end(input);
  });
};

function spawnError(program: string, action: "get" | "list", registry: string | undefined, error: unknown): CredentialHelperError {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ENOENT") return new CredentialHelperError(program, action, registry, `${program} was not found on PATH`);
  if (code === "EACCES") return new CredentialHelperError(program, action, registry, `${program} is not executable`);
  return new CredentialHelperError(program, action, registry, `could not be started (${code ?? "spawn error"})`);
}

function definedOnly(env: DockerEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
