/**
 * Scenario 1, small calls: container inspect and ping, sequential and with 32 in flight.
 * Reports requests/s and the client CPU per request (process CPU over the batch / requests;
 * the daemon runs in another process, so this is the client's own cost).
 *
 * Runs in the calling process on any runtime (Node, Bun, Deno); the clients are interleaved
 * batch by batch (see `interleaved`).
 */
import { loadClients } from "../clients/index.js";
import type { BenchClient, ClientName } from "../clients/types.js";
import { containerSpec, createContainer, rawFor, removeContainer, type BenchTarget } from "../lib/daemon.js";
import { profileWindow } from "../lib/inspector-profile.js";
import { interleaved, measureBatch, type BatchSample } from "../lib/measure.js";
import { runtimeName, runtimeVersion } from "../lib/process-stats.js";
import { summarize, type Summary } from "../lib/stats.js";

/** Repetition counts of the scenario. */
export interface SmallCallsOptions {
  /** Requests per batch (one sample). */
  batch: number;
  /** Recorded rounds. */
  reps: number;
  /** Unrecorded rounds first. */
  warmup: number;
  /**
   * Requests per client in each warm-up round (default `batch`). Make it long enough for the
   * JIT to settle: berth has more JavaScript on the request path than the raw client, and
   * short warm-ups measured it far above its steady state (ping: 340 against 210 µs/request).
   */
  warmupCalls?: number | undefined;
  concurrency: readonly number[];
  clients: readonly ClientName[];
  /** Default both. */
  ops?: readonly ("inspect" | "ping")[] | undefined;
}

/** A client as loaded (or why not). */
export interface ClientInfo {
  name: ClientName;
  version?: string | undefined;
  error?: string | undefined;
}

/** One client's numbers in one case. */
export interface SmallCallRow {
  client: ClientName;
  reqPerSec: Summary;
  cpuUsPerReq: Summary;
  note?: string | undefined;
  samples: BatchSample[];
}

/** One operation at one concurrency. */
export interface SmallCallCase {
  op: "ping" | "inspect";
  concurrency: number;
  batch: number;
  rows: SmallCallRow[];
}

/** The scenario's result on one runtime. */
export interface SmallCallsResult {
  runtime: string;
  runtimeVersion: string;
  clients: ClientInfo[];
  cases: SmallCallCase[];
}

/** Runs the scenario. */
export async function runSmallCalls(target: BenchTarget, options: SmallCallsOptions): Promise<SmallCallsResult> {
  const raw = rawFor(target);
  const loaded = await loadClients(options.clients, target);
  const clients = loaded.flatMap((entry) => ("client" in entry ? [entry.client] : []));
  const containerId = await createContainer(raw, target, "inspect", containerSpec(target, ["true"]));
  const cases: SmallCallCase[] = [];
  const measureAll = async () => {
    for (const op of options.ops ?? (["inspect", "ping"] as const)) {
      for (const concurrency of options.concurrency) {
        const call = (client: BenchClient) => (op === "ping" ? () => client.ping() : () => client.inspect(containerId));
        const samples = await interleaved(clients, options, (client, warmup) =>
          measureBatch(call(client), warmup ? (options.warmupCalls ?? options.batch) : options.batch, concurrency),
        );
        cases.push({
          op,
          concurrency,
          batch: options.batch,
          rows: clients.map((client) => {
            const s = samples.get(client.name)!;
            return {
              client: client.name,
              reqPerSec: summarize(s.map((b) => b.count / (b.elapsedMs / 1000))),
              cpuUsPerReq: summarize(s.map((b) => b.cpuUs / b.count)),
              note: client.notes[op],
              samples: s,
            };
          }),
        });
      }
    }
  };
  try {
    await profileWindow(measureAll);
  } finally {
    await removeContainer(raw, containerId);
    await Promise.all(clients.map((client) => client.close()));
    raw.close();
  }
  return {
    runtime: runtimeName(),
    runtimeVersion: runtimeVersion(),
    clients: loaded.map((entry) =>
      "client" in entry ? { name: entry.name, version: entry.client.version } : { name: entry.name, error: entry.error },
    ),
    cases,
  };
}
