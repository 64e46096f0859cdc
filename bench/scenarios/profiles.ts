/**
 * Where berth's client time goes: the workload of a missed target re-run, on the runtime that
 * missed it, under that runtime's CPU profiler (node:inspector's Profiler domain: V8's on Node and
 * Deno, JavaScriptCore's on Bun; only the measured window: bench/lib/inspector-profile.ts), once with berth and once
 * with the raw client (the same work with nothing on top), summarized per unit of work
 * (bench/lib/cpu-profile.ts). The difference per owner
 * (openapi-fetch, undici's Headers/Response, web streams, a berth file) is berth's overhead.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import type { ClientName } from "../clients/types.js";
import { runChild, scriptCommand, type RuntimeName } from "../lib/child.js";
import { summarizeProfile, type ProfileSummary } from "../lib/cpu-profile.js";
import { rawFor, removeContainer, type BenchTarget } from "../lib/daemon.js";
import { workDir } from "../lib/packages.js";
import type { StreamKind } from "./stream-child.js";
import { sourceContainer, streamChildArgs } from "./streams.js";

/** Profiles of one workload: berth and the raw client. */
export interface ProfileResult {
  workload: string;
  /** What a unit of work is (`request`, `MB`). */
  unit?: string | undefined;
  berth?: ProfileSummary | undefined;
  raw?: ProfileSummary | undefined;
  error?: string | undefined;
}

async function profiled(runtime: RuntimeName, relative: string, args: string[], units: number): Promise<ProfileSummary> {
  const dir = mkdtempSync(path.join(workDir(), "prof-"));
  try {
    const file = path.join(dir, "window.cpuprofile");
    const result = await runChild<{ error?: string }>([...scriptCommand(runtime, relative), ...args], {
      env: { BERTH_BENCH_PROFILE: file },
    });
    const error = result.error ?? result.value?.error;
    if (error) throw new Error(error);
    if (!existsSync(file)) throw new Error("no profile written");
    return summarizeProfile(file, { units, top: 14 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The workload's suffix naming its runtime (none for Node, the default). */
const onRuntime = (runtime: RuntimeName) => (runtime === "node" ? "" : ` (${runtime})`);

async function both(workload: string, unit: string, run: (client: ClientName) => Promise<ProfileSummary>): Promise<ProfileResult> {
  try {
    return { workload, unit, berth: await run("berth"), raw: await run("raw") };
  } catch (error) {
    return { workload, unit, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Profiles `count` small calls (`op`, `concurrency` in flight; plus as many unrecorded warm-up calls). */
export function profileSmallCalls(
  runtime: RuntimeName,
  op: "inspect" | "ping",
  concurrency: number,
  count: number,
): Promise<ProfileResult> {
  const workload = `${op}, ${concurrency === 1 ? "sequential" : `${concurrency} in flight`}${onRuntime(runtime)}`;
  return both(workload, "request", (client) => {
    const options = { clients: [client], ops: [op], concurrency: [concurrency], batch: count, reps: 1, warmup: 1, warmupCalls: count };
    return profiled(runtime, "scenarios/child", ["--scenario", "small-calls", "--options", JSON.stringify(options)], 2 * count);
  });
}

/** Profiles reading one stream of `kind` and `sizeMiB`. */
export async function profileStream(
  target: BenchTarget,
  runtime: RuntimeName,
  kind: StreamKind,
  sizeMiB: number,
  warmupMiB: number,
  warmupRounds: number,
): Promise<ProfileResult> {
  const size = sizeMiB * 1024 * 1024;
  const warmupBytes = warmupMiB * 1024 * 1024;
  const raw = rawFor(target);
  const containers: string[] = [];
  try {
    // The same warm-up as the measured run (stream-child.ts's warmUp), so that the profile is of the same code.
    const container = await sourceContainer(raw, target, kind, size);
    if (container) containers.push(container);
    const warmup = await sourceContainer(raw, target, kind, warmupBytes, "warmup");
    if (warmup) containers.push(warmup);
    const args = streamChildArgs({ kind, size, container, warmup, warmupBytes, warmupRounds });
    return await both(`${kind}, ${sizeMiB} MiB${onRuntime(runtime)}`, "MB", (client) =>
      profiled(runtime, "scenarios/stream-child", ["--client", client, ...args], size / 1e6),
    );
  } finally {
    for (const id of containers) await removeContainer(raw, id);
    raw.close();
  }
}
