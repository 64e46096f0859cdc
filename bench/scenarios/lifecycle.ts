/**
 * Scenario 2, container lifecycle: create + start + wait + remove of a container running
 * `true`, sequentially; lifecycles per second and client CPU per lifecycle. The daemon does
 * most of the work here (on the vfs driver each create copies the image), so the ratios show
 * whether a client adds anything measurable to it.
 */
import { loadClients } from "../clients/index.js";
import type { ClientName } from "../clients/types.js";
import { containerSpec, uniqueName, type BenchTarget } from "../lib/daemon.js";
import { interleaved, measureBatch, type BatchSample } from "../lib/measure.js";
import { summarize, type Summary } from "../lib/stats.js";
import type { ClientInfo } from "./small-calls.js";

/** Repetition counts of the scenario. */
export interface LifecycleOptions {
  /** Lifecycles per batch (one sample). */
  batch: number;
  reps: number;
  warmup: number;
  clients: readonly ClientName[];
}

/** One client's numbers. */
export interface LifecycleRow {
  client: ClientName;
  perSec: Summary;
  cpuMsPerLifecycle: Summary;
  samples: BatchSample[];
}

/** The scenario's result. */
export interface LifecycleResult {
  batch: number;
  clients: ClientInfo[];
  rows: LifecycleRow[];
}

/** Runs the scenario. */
export async function runLifecycle(target: BenchTarget, options: LifecycleOptions): Promise<LifecycleResult> {
  const loaded = await loadClients(options.clients, target);
  const clients = loaded.flatMap((entry) => ("client" in entry ? [entry.client] : []));
  const spec = containerSpec(target, ["true"]);
  try {
    const samples = await interleaved(clients, options, (client) =>
      measureBatch(() => client.lifecycle(spec, uniqueName(target, "life")), options.batch, 1),
    );
    return {
      batch: options.batch,
      clients: loaded.map((entry) =>
        "client" in entry ? { name: entry.name, version: entry.client.version } : { name: entry.name, error: entry.error },
      ),
      rows: clients.map((client) => {
        const s = samples.get(client.name)!;
        return {
          client: client.name,
          perSec: summarize(s.map((b) => b.count / (b.elapsedMs / 1000))),
          cpuMsPerLifecycle: summarize(s.map((b) => b.cpuUs / 1000 / b.count)),
          samples: s,
        };
      }),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
