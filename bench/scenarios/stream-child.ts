/**
 * One stream measurement in a fresh process (so peak RSS is this stream's alone):
 *
 *   stream-child --client berth --kind export|logs|attach --size <bytes> [--container <id>] [--warmup <id>] [--warmup-bytes <n>] [--warmup-rounds <n>] [--ballast-mib <n>]
 *
 * Loads the client, pings once (module loading and the first connection stay out of the
 * numbers), then times the stream: wall clock, process CPU, resident memory before and the
 * peak after. For `attach` it creates the producing container itself (64 KiB writes, logging
 * off so nothing is written to disk), attaches, starts it, reads to the end and removes it.
 * Prints one JSON line (`StreamSample`, or `{ error }`).
 *
 * `--ballast-mib`: that much heap in live objects, allocated before the client loads and held
 * to the end, so that V8 collects as it would in an application rather than in a process whose
 * heap is the client alone (bench/README.md, "Heap size and the stream numbers on Node").
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { loadClient } from "../clients/index.js";
import { errorText } from "../lib/errors.js";
import type { BenchClient, ClientName } from "../clients/types.js";
import { parseArgs, scriptArgs } from "../lib/child.js";
import { bulkCommand, containerSpec, createContainer, rawFor, removeContainer, targetFromEnv, type BenchTarget } from "../lib/daemon.js";
import type { RawHttp } from "../lib/raw-http.js";
import { profileWindow } from "../lib/inspector-profile.js";
import { collectGarbage, cpuMicros, residentMemory } from "../lib/process-stats.js";
import { holdBallast } from "../lib/heap-ballast.js";

/** The streams measured. */
export type StreamKind = "export" | "logs" | "attach";

/** What one child reports. */
export interface StreamSample {
  bytes: number;
  elapsedMs: number;
  cpuUs: number;
  rssBefore: number;
  peakRss: number;
}

async function main(): Promise<StreamSample> {
  const args = parseArgs(scriptArgs());
  holdBallast(Number(args["ballast-mib"] ?? 0));
  const kind = args["kind"] as StreamKind;
  const size = Number(args["size"]);
  const target = targetFromEnv();
  const loaded = await loadClient(args["client"] as ClientName, target);
  if (!("client" in loaded)) throw new Error(loaded.error);
  const client = loaded.client;
  await client.ping();

  const raw = rawFor(target);
  const rounds = Number(args["warmup-rounds"] ?? DEFAULT_WARMUP_ROUNDS);
  const warmupBytes = Number(args["warmup-bytes"] ?? DEFAULT_WARMUP_BYTES);
  for (let round = 0; round < rounds; round++) await warmUp(client, raw, target, kind, args["warmup"], warmupBytes);
  resetPeakRss();
  let attachId: string | undefined;
  let run: () => Promise<number>;
  if (kind === "attach") {
    const producer = await attachProducer(client, raw, target, size, "attach");
    attachId = producer.id;
    run = producer.run;
  } else {
    const id = args["container"]!;
    run = kind === "export" ? () => client.exportContainer(id) : () => client.logs(id);
  }

  try {
    collectGarbage();
    const rssBefore = residentMemory().rss;
    const cpu0 = cpuMicros();
    const t0 = performance.now();
    const bytes = await profileWindow(run);
    const elapsedMs = performance.now() - t0;
    const cpuUs = cpuMicros() - cpu0;
    const { peak } = residentMemory();
    return { bytes, elapsedMs, cpuUs, rssBefore, peakRss: peak };
  } finally {
    if (attachId) await removeContainer(raw, attachId);
    raw.close();
  }
}

/**
 * A created container that writes `bytes` in 64 KiB blocks (logging off), and `run`: attach to
 * it, start it, read to the end (the payload bytes). The caller removes it.
 */
async function attachProducer(
  client: BenchClient,
  raw: RawHttp,
  target: BenchTarget,
  bytes: number,
  what: string,
): Promise<{ id: string; run: () => Promise<number> }> {
  const id = await createContainer(raw, target, what, containerSpec(target, bulkCommand(bytes), { LogConfig: { Type: "none" } }));
  return {
    id,
    run: () =>
      client.attach(id, async () => {
        await raw.json("POST", `/containers/${id}/start`);
      }),
  };
}

/** Bytes of the warm-up attach stream without `--warmup-bytes` (export and logs read the `--warmup` container). */
const DEFAULT_WARMUP_BYTES = 4 * 1024 * 1024;
/**
 * Warm-up streams without `--warmup-rounds`. Two, because V8 compiles a function made anew for
 * every stream (a closure of the session or the connection) for the one closure it has seen
 * first; the second stream's closures need code of their own. From the third stream on, all
 * share it (bench/README.md, "Warm-up length").
 */
const DEFAULT_WARMUP_ROUNDS = 2;

/**
 * The same kind of stream, small, before the measured one: the code on the stream's path is
 * compiled and optimized by then (every contender alike), so the numbers are the per-MB cost
 * of a running program, not the JIT's. Run `--warmup-rounds` times.
 */
async function warmUp(
  client: BenchClient,
  raw: RawHttp,
  target: BenchTarget,
  kind: StreamKind,
  warmup: string | undefined,
  warmupBytes: number,
): Promise<void> {
  if (kind === "attach") {
    const producer = await attachProducer(client, raw, target, warmupBytes, "attach-warmup");
    try {
      await producer.run();
    } finally {
      await removeContainer(raw, producer.id);
    }
  } else if (warmup) {
    await (kind === "export" ? client.exportContainer(warmup) : client.logs(warmup));
  }
}

/** Resets the resident-set peak, so that the measured stream's is its own (Linux). */
function resetPeakRss(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux, or not allowed: the peak then includes the (smaller) warm-up stream.
  }
}

try {
  console.log(JSON.stringify(await main()));
  process.exit(0);
} catch (error) {
  console.log(JSON.stringify({ error: errorText(error) }));
  process.exit(1);
}
