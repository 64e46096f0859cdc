/**
 * Scenario 3, streams: a container's export (a 256 MiB file in it), the logs of a container
 * that wrote printable 1 KiB lines, and attach to a container writing in 64 KiB blocks.
 * Throughput (MB/s, 10^6 bytes), client CPU per 100 MB, peak RSS; each measurement in a fresh
 * child process, the clients interleaved. Each stream is measured at two sizes: memory that
 * does not grow from the small to the large one is "flat with size".
 *
 * The setup containers (export, logs) are made once per size and removed at the end.
 */
import type { ClientName } from "../clients/types.js";
import { runChild, scriptCommand, type RuntimeName } from "../lib/child.js";
import { containerSpec, linesCommand, rawFor, removeContainer, runContainer, type BenchTarget } from "../lib/daemon.js";
import { interleaved } from "../lib/measure.js";
import type { RawHttp } from "../lib/raw-http.js";
import { summarize, type Summary } from "../lib/stats.js";
import type { StreamKind, StreamSample } from "./stream-child.js";

const MIB = 1024 * 1024;

/** Sizes and repetitions of the scenario. */
export interface StreamsOptions {
  /** Sizes of each stream, MiB (small and large: memory is compared across them). */
  sizesMiB: Record<StreamKind, readonly number[]>;
  /** Size of the warm-up stream each child reads first, MiB. */
  warmupMiB: Record<StreamKind, number>;
  /** How many warm-up streams each child reads. */
  warmupRounds: number;
  reps: number;
  warmup: number;
  /** Live heap each child holds (see BenchConfig.streams). */
  heapBallastMiB?: number | undefined;
  clients: readonly ClientName[];
  kinds: readonly StreamKind[];
}

/** One client at one stream kind and size. */
export interface StreamRow {
  client: ClientName;
  /** Why there are no numbers. */
  error?: string | undefined;
  mbPerSec?: Summary | undefined;
  cpuMsPer100MB?: Summary | undefined;
  /** Peak resident set of the child, MiB. */
  peakRssMiB?: Summary | undefined;
  /** Peak minus resident set just before the stream, MiB. */
  growthMiB?: Summary | undefined;
  bytes?: number | undefined;
  samples: StreamSample[];
}

/** One stream kind at one size. */
export interface StreamCase {
  kind: StreamKind;
  sizeMiB: number;
  rows: StreamRow[];
}

/** The scenario's result on one runtime. */
export interface StreamsResult {
  runtime: RuntimeName;
  cases: StreamCase[];
}

/** Payload bytes a stream of `kind` delivers at `size` (export: at least that much, it is a tar). */
function expectedBytes(kind: StreamKind, size: number): number {
  return kind === "attach" ? Math.ceil(size / 65536) * 65536 : size;
}

/** stream-child.ts's arguments for one stream (all but `--client`): the measured runs' and the profiles'. */
export function streamChildArgs(stream: {
  kind: StreamKind;
  size: number;
  container: string | undefined;
  warmup: string | undefined;
  warmupBytes: number;
  warmupRounds: number;
  heapBallastMiB?: number | undefined;
}): string[] {
  return [
    "--kind",
    stream.kind,
    "--size",
    String(stream.size),
    ...(stream.container ? ["--container", stream.container] : []),
    ...(stream.warmup ? ["--warmup", stream.warmup] : []),
    "--warmup-bytes",
    String(stream.warmupBytes),
    "--warmup-rounds",
    String(stream.warmupRounds),
    ...(stream.heapBallastMiB ? ["--ballast-mib", String(stream.heapBallastMiB)] : []),
  ];
}

/**
 * The stopped container a stream of `kind` reads: for export one holding a file of `bytes`, for
 * logs one that wrote `bytes` of 1 KiB lines. Attach makes its own (stream-child.ts): undefined.
 */
export async function sourceContainer(
  raw: RawHttp,
  target: BenchTarget,
  kind: StreamKind,
  bytes: number,
  suffix = "",
): Promise<string | undefined> {
  const what = suffix ? `${kind}-${suffix}` : kind;
  if (kind === "export") return runContainer(raw, target, what, containerSpec(target, ["sh", "-c", `head -c ${bytes} /dev/zero > /big`]));
  if (kind === "logs") return runContainer(raw, target, what, containerSpec(target, linesCommand(bytes)));
  return undefined;
}

/** Runs the scenario with children on `runtime`. */
export async function runStreams(
  target: BenchTarget,
  runtime: RuntimeName,
  options: StreamsOptions,
  log: (line: string) => void,
): Promise<StreamsResult> {
  const raw = rawFor(target);
  const setup: string[] = [];
  const cases: StreamCase[] = [];
  // A client that cannot run a stream kind on this runtime is tried once, not at every repetition.
  const broken = new Map<string, string>();
  try {
    for (const kind of options.kinds) {
      // A smaller stream of the same kind that every child runs first (see warmUp in stream-child.ts).
      const warmupBytes = options.warmupMiB[kind] * MIB;
      const warmup = await sourceContainer(raw, target, kind, warmupBytes, "warmup");
      if (warmup) setup.push(warmup);
      for (const sizeMiB of options.sizesMiB[kind]) {
        const size = sizeMiB * MIB;
        const container = await sourceContainer(raw, target, kind, size);
        if (container) setup.push(container);
        const contenders = options.clients.map((name) => ({ name }));
        const samples = await interleaved(contenders, options, async ({ name }) => {
          const key = `${name}/${kind}`;
          if (broken.has(key)) return { error: broken.get(key)! };
          const args = [
            "--client",
            name,
            ...streamChildArgs({
              kind,
              size,
              container,
              warmup,
              warmupBytes,
              warmupRounds: options.warmupRounds,
              heapBallastMiB: options.heapBallastMiB,
            }),
          ];
          const result = await runChild<StreamSample & { error?: string }>([...scriptCommand(runtime, "scenarios/stream-child"), ...args]);
          const error = result.error ?? result.value?.error;
          if (error) {
            broken.set(key, error);
            log(`  ${runtime} ${kind} ${sizeMiB} MiB ${name}: ${error}`);
            return { error };
          }
          return result.value!;
        });
        const rows = options.clients.map((client): StreamRow => {
          const all = samples.get(client)!;
          const failed = all.find((s): s is { error: string } => "error" in s && s.error !== undefined);
          const ok = all.filter((s): s is StreamSample => !("error" in s));
          if (failed || ok.length === 0)
            return { client, error: failed?.error ?? broken.get(`${client}/${kind}`) ?? "no samples", samples: ok };
          const bytes = ok[0]!.bytes;
          const expected = expectedBytes(kind, size);
          const short = ok.find((s) => s.bytes < expected);
          if (short)
            return {
              client,
              error: `delivered ${short.bytes} bytes, expected ${kind === "export" ? "at least " : ""}${expected}`,
              samples: ok,
            };
          return {
            client,
            bytes,
            mbPerSec: summarize(ok.map((s) => s.bytes / 1e6 / (s.elapsedMs / 1000))),
            cpuMsPer100MB: summarize(ok.map((s) => s.cpuUs / 1000 / (s.bytes / 1e8))),
            peakRssMiB: summarize(ok.map((s) => s.peakRss / MIB)),
            growthMiB: summarize(ok.map((s) => (s.peakRss - s.rssBefore) / MIB)),
            samples: ok,
          };
        });
        cases.push({ kind, sizeMiB, rows });
        log(
          `  ${runtime} ${kind} ${sizeMiB} MiB: ${rows.map((r) => `${r.client} ${r.mbPerSec ? r.mbPerSec.median.toFixed(0) + " MB/s" : "-"}`).join(", ")}`,
        );
        if (container) {
          await removeContainer(raw, container);
          setup.splice(setup.indexOf(container), 1);
        }
      }
    }
  } finally {
    for (const id of setup) await removeContainer(raw, id);
    raw.close();
  }
  return { runtime, cases };
}
