/**
 * Client CPU time and memory of the current process, the same way on Node, Bun and Deno.
 *
 * CPU: `process.cpuUsage()` (user + system, microseconds) where the runtime has it; otherwise
 * `/proc/self/stat` (clock ticks, 10 ms resolution; fine for the stream scenarios that use it).
 * Memory: `/proc/self/status` (`VmHWM` = peak resident set, `VmRSS` = current), which every
 * runtime can read, rather than `process.resourceUsage()`, which not every runtime implements.
 */
import { readFileSync } from "node:fs";

/** Which runtime runs this code. */
export function runtimeName(): "node" | "bun" | "deno" {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  return "node";
}

/** The runtime's version string. */
export function runtimeVersion(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return g.Deno.version.deno;
  if (g.Bun) return g.Bun.version;
  return process.version.replace(/^v/, "");
}

const CLOCK_TICKS_PER_SECOND = 100;

/** Process CPU time so far (user + system), in microseconds. */
export function cpuMicros(): number {
  try {
    const usage = process.cpuUsage();
    if (Number.isFinite(usage.user) && usage.user + usage.system > 0) return usage.user + usage.system;
  } catch {
    // Not implemented on this runtime: fall back to /proc.
  }
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1e6;
}

/** Current and peak resident set size of this process, in bytes (Linux). */
export function residentMemory(): { rss: number; peak: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

/**
 * Runs a full garbage collection if the runtime lets us (`node --expose-gc`, `Bun.gc`), so that
 * garbage one contender left behind is not collected on the next contender's time.
 */
export function collectGarbage(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (typeof g.gc === "function") g.gc();
  else if (g.Bun) g.Bun.gc(true);
}
