/**
 * A CPU profile of just the measured window (not process start-up and module loading, which
 * `node --cpu-prof` would include): when $BERTH_BENCH_PROFILE names a file, `profileWindow`
 * runs its function under the V8 profiler (node:inspector) and writes the `.cpuprofile` there.
 * Bun and Deno implement the same node:inspector Profiler domain (Bun's samples are
 * JavaScriptCore's); without the variable it just runs the function.
 */
import { writeFileSync } from "node:fs";

/** Runs `fn`, profiled if $BERTH_BENCH_PROFILE is set. */
export async function profileWindow<T>(fn: () => Promise<T>): Promise<T> {
  const file = process.env["BERTH_BENCH_PROFILE"];
  if (!file) return fn();
  const inspector = await import("node:inspector/promises");
  const session = new inspector.Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: Number(process.env["BERTH_BENCH_PROFILE_INTERVAL_US"] ?? 200) });
  await session.post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}
