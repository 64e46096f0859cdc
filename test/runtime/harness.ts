/**
 * A tiny test harness for the suites that must run unchanged on Node, Bun and Deno
 * (vitest runs only on Node). Plain scripts register cases with `test()` and call `run()`,
 * which prints one line per case and the closing `N passed, N failed` line, and exits
 * non-zero on any failure.
 */
type Case = { name: string; fn: () => Promise<void> | void; timeoutMs: number };
const cases: Case[] = [];

/** Registers a case. */
export function test(name: string, fn: () => Promise<void> | void, timeoutMs = 30_000): void {
  cases.push({ name, fn, timeoutMs });
}

/** Throws with `message` unless `condition` holds. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** Deep equality through JSON (enough for the plain data these suites compare). */
export function assertEqual(actual: unknown, expected: unknown, message = "values differ"): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`assertion failed: ${message}\n  expected: ${e}\n  actual:   ${a}`);
}

/** Awaits `promise` and returns what it rejected with; fails if it resolved. */
export async function rejects(promise: Promise<unknown>, message = "expected a rejection"): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`assertion failed: ${message}`);
}

/** The runtime executing this script, for messages. */
export function runtimeName(): string {
  const g = globalThis as { Deno?: unknown; Bun?: { version: string }; process?: { version: string } };
  if (g.Deno) return "deno";
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${g.process?.version ?? ""}`;
}

/** Environment variable on any runtime. */
export function env(name: string): string | undefined {
  const g = globalThis as { Deno?: { env: { get(n: string): string | undefined } }; process?: { env: Record<string, string | undefined> } };
  return g.Deno ? g.Deno.env.get(name) : g.process?.env[name];
}

/** Runs every registered case in order; exits the process with 1 if any failed. */
export async function run(suite: string): Promise<void> {
  let passed = 0;
  let failed = 0;
  console.log(`# ${suite} on ${runtimeName()}`);
  for (const c of cases) {
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(c.fn),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${c.timeoutMs} ms`)), c.timeoutMs);
        }),
      ]);
      passed++;
      console.log(`ok   ${c.name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${c.name}\n     ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  const g = globalThis as { Deno?: { exit(code: number): never }; process?: { exit(code: number): never } };
  const code = failed > 0 ? 1 : 0;
  if (g.Deno) g.Deno.exit(code);
  else g.process?.exit(code);
}
