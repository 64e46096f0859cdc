/**
 * Repetition counts and sizes. The full run is sized for under 10 minutes on the 2-core dev
 * machine; `BENCH_QUICK=1` is a smoke run of 2-3 minutes (single repetitions where a
 * measurement is slow, so its spread means little; one stream size on Bun and Deno; no
 * profiles). Overrides:
 *
 *   BENCH_SCENARIOS=small,lifecycle,streams,demux,events,ssh,cold,footprint   (default: all)
 *   BENCH_RUNTIMES=node,bun,deno                                          (default: all)
 *   BENCH_STREAMS=export,logs,attach                                      (streams of scenario 3; default: all)
 *   BENCH_CONFIG='{"smallCalls":{"reps":11}}'                             (deep-merged over the preset)
 *   BENCH_PROFILE=1 / 0                                                   (profile missed targets; default: full runs only)
 *   BENCH_HEAP_BALLAST_MIB=64                                             (live heap every stream child holds; default 0, see bench/README.md)
 */
import type { ClientName } from "./clients/types.js";
import type { RuntimeName } from "./lib/child.js";

export const SCENARIOS = ["small", "lifecycle", "streams", "demux", "events", "ssh", "cold", "footprint"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Everything a run is parameterised by. */
export interface BenchConfig {
  quick: boolean;
  scenarios: ScenarioName[];
  runtimes: RuntimeName[];
  /** The streams of scenario 3 (`BENCH_STREAMS`). */
  streamKinds: ("export" | "logs" | "attach")[];
  clients: ClientName[];
  smallCalls: { batch: number; reps: number; warmup: number; warmupCalls: number; concurrency: number[] };
  /** Clients added to the small calls on every runtime (berth's low-level client, to split the client layer from the transport). */
  smallCallsExtraClients: ClientName[];
  /** Small calls on Bun and Deno (fewer rounds). */
  smallCallsOtherRuntimes: { batch: number; reps: number; warmup: number; warmupCalls: number; concurrency: number[] };
  lifecycle: { batch: number; reps: number; warmup: number };
  /**
   * Stream sizes (MiB): two each, small and large, so that memory can be compared across sizes.
   * `heapBallastMiB`: live objects every stream child (each contender alike) holds through its
   * measurement, standing in for an application's heap (`BENCH_HEAP_BALLAST_MIB`; default 0).
   * `warmupMiB`: the stream of the same kind each child reads before the measured one, and
   * `warmupRounds` how many of them (see warmUp in scenarios/stream-child.ts).
   */
  streams: {
    sizesMiB: StreamSizes;
    warmupMiB: Record<keyof StreamSizes, number>;
    warmupRounds: number;
    reps: number;
    warmup: number;
    heapBallastMiB: number;
  };
  streamsOtherRuntimes: { sizesMiB: StreamSizes; reps: number };
  /**
   * The large Node streams once more, every child holding `heapBallastMiB` of live heap (an
   * application's heap rather than a process that is the client alone; bench/README.md, "Heap
   * size and the stream numbers on Node"), for `clients`. Judged in the same table. Skipped when
   * `heapBallastMiB` is 0 or the whole run already holds a ballast (`BENCH_HEAP_BALLAST_MIB`).
   */
  streamsHeldHeap: { heapBallastMiB: number; sizesMiB: StreamSizes; reps: number; clients: ClientName[] };
  demux: { reps: number };
  events: { listenerCounts: number[]; eventsPerTurn: number; rounds: number; maxConnectionsPerContender: number; timeoutMs: number };
  /** Scenario `ssh` (bench/scenarios/ssh.ts). */
  ssh: SshOptions;
  coldStart: { processes: number; processesOtherRuntimes: number };
  /** Profile berth (and raw) for every missed CPU target. */
  profile: boolean;
}

/** Sizes of each stream kind, MiB. */
export interface StreamSizes {
  export: number[];
  attach: number[];
  logs: number[];
}

/** Calls and sizes of scenario `ssh` (`BENCH_SSH_*` override them when bench/scenarios/ssh.ts runs alone). */
export interface SshOptions {
  calls: number;
  cliCalls: number;
  /** dockerode's ssh opens a connection per request (~0.6 s here): fewer calls. */
  dockerodeCalls: number;
  exportMiB: number;
}

/** Scenario `ssh` in a full run, and when run alone. */
export const SSH_DEFAULTS: SshOptions = { calls: 400, cliCalls: 10, dockerodeCalls: 20, exportMiB: 64 };

const FULL: Omit<BenchConfig, "quick" | "scenarios" | "runtimes" | "streamKinds"> = {
  clients: ["berth", "dockerode", "node-sdk", "raw"],
  smallCalls: { batch: 1000, reps: 5, warmup: 1, warmupCalls: 2000, concurrency: [1, 32] },
  smallCallsExtraClients: ["berth-api", "berth-generic"],
  smallCallsOtherRuntimes: { batch: 500, reps: 4, warmup: 1, warmupCalls: 1000, concurrency: [1, 32] },
  lifecycle: { batch: 2, reps: 5, warmup: 1 },
  streams: {
    sizesMiB: { export: [64, 256], attach: [64, 256], logs: [16, 64] },
    warmupMiB: { export: 32, attach: 32, logs: 16 },
    warmupRounds: 2,
    reps: 3,
    warmup: 0,
    heapBallastMiB: 0,
  },
  streamsOtherRuntimes: { sizesMiB: { export: [64, 256], attach: [64, 256], logs: [16, 64] }, reps: 3 },
  streamsHeldHeap: {
    heapBallastMiB: 64,
    sizesMiB: { export: [256], attach: [256], logs: [64] },
    reps: 5,
    clients: ["berth", "dockerode", "raw"],
  },
  demux: { reps: 5 },
  events: { listenerCounts: [1, 100, 1000], eventsPerTurn: 20, rounds: 3, maxConnectionsPerContender: 100, timeoutMs: 5000 },
  ssh: SSH_DEFAULTS,
  coldStart: { processes: 11, processesOtherRuntimes: 7 },
  profile: true,
};

const QUICK: typeof FULL = {
  clients: FULL.clients,
  smallCalls: { batch: 300, reps: 3, warmup: 1, warmupCalls: 600, concurrency: [1, 32] },
  smallCallsExtraClients: ["berth-api", "berth-generic"],
  smallCallsOtherRuntimes: { batch: 200, reps: 2, warmup: 1, warmupCalls: 400, concurrency: [1, 32] },
  lifecycle: { batch: 1, reps: 2, warmup: 0 },
  streams: {
    sizesMiB: { export: [32, 128], attach: [32, 128], logs: [8, 32] },
    warmupMiB: { export: 4, attach: 4, logs: 2 },
    warmupRounds: 2,
    reps: 1,
    warmup: 0,
    heapBallastMiB: 0,
  },
  streamsOtherRuntimes: { sizesMiB: { export: [64], attach: [64], logs: [16] }, reps: 1 },
  streamsHeldHeap: {
    heapBallastMiB: 64,
    sizesMiB: { export: [128], attach: [128], logs: [32] },
    reps: 1,
    clients: ["berth", "dockerode", "raw"],
  },
  demux: { reps: 1 },
  events: { listenerCounts: [1, 100, 1000], eventsPerTurn: 6, rounds: 1, maxConnectionsPerContender: 100, timeoutMs: 5000 },
  ssh: { calls: 100, cliCalls: 3, dockerodeCalls: 5, exportMiB: 16 },
  coldStart: { processes: 5, processesOtherRuntimes: 3 },
  profile: false,
};

function deepMerge<T>(base: T, override: unknown): T {
  if (typeof override !== "object" || override === null || Array.isArray(override)) return override as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) out[key] = key in out ? deepMerge(out[key], value) : value;
  return out as T;
}

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (!value) return [...allowed];
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items)
    if (!allowed.includes(item as T)) throw new Error(`${what}: unknown ${JSON.stringify(item)} (choose from ${allowed.join(", ")})`);
  return items as T[];
}

/** The configuration from the environment. */
export function configFromEnv(env: Record<string, string | undefined> = process.env): BenchConfig {
  const quick = env["BENCH_QUICK"] === "1" || env["BENCH_QUICK"] === "true";
  const base: BenchConfig = {
    quick,
    scenarios: list(env["BENCH_SCENARIOS"], SCENARIOS, "BENCH_SCENARIOS"),
    runtimes: list(env["BENCH_RUNTIMES"], ["node", "bun", "deno"] as const, "BENCH_RUNTIMES"),
    streamKinds: list(env["BENCH_STREAMS"], ["export", "logs", "attach"] as const, "BENCH_STREAMS"),
    ...(quick ? QUICK : FULL),
  };
  if (env["BENCH_PROFILE"] !== undefined) base.profile = env["BENCH_PROFILE"] === "1" || env["BENCH_PROFILE"] === "true";
  if (env["BENCH_HEAP_BALLAST_MIB"] !== undefined) {
    const mib = Number(env["BENCH_HEAP_BALLAST_MIB"]);
    if (!Number.isInteger(mib) || mib < 0 || mib > 4096) throw new Error("BENCH_HEAP_BALLAST_MIB: a whole number of MiB from 0 to 4096");
    base.streams = { ...base.streams, heapBallastMiB: mib };
  }
  return env["BENCH_CONFIG"] ? deepMerge(base, JSON.parse(env["BENCH_CONFIG"])) : base;
}
