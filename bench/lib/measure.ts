/**
 * Timing batches of operations and running contenders interleaved.
 */
import { performance } from "node:perf_hooks";
import { collectGarbage, cpuMicros } from "./process-stats.js";
import { rotation } from "./stats.js";

/** One timed batch. */
export interface BatchSample {
  /** Operations completed. */
  count: number;
  elapsedMs: number;
  /** Process CPU time (user + system) spent during the batch, microseconds. */
  cpuUs: number;
}

/** Runs `op` `count` times with `concurrency` in flight, timing wall clock and process CPU. */
export async function measureBatch(op: () => Promise<unknown>, count: number, concurrency = 1): Promise<BatchSample> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await op();
    }
  };
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const elapsedMs = performance.now() - t0;
  return { count, elapsedMs, cpuUs: cpuMicros() - cpu0 };
}

/**
 * Runs `warmup` unrecorded rounds and then `reps` recorded rounds (`run` is told which, so a
 * warm-up can be longer than a sample); in each round every contender runs once, in an order rotated by one per round. A full GC runs before each
 * contender's turn (when the runtime allows), so one contender's garbage is not collected on
 * another's time. Returns each contender's recorded samples, by name.
 */
export async function interleaved<C extends { name: string }, S>(
  contenders: readonly C[],
  rounds: { warmup: number; reps: number },
  run: (contender: C, warmup: boolean) => Promise<S>,
): Promise<Map<string, S[]>> {
  const samples = new Map<string, S[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds.warmup + rounds.reps; round++) {
    for (const contender of rotation(contenders, round)) {
      collectGarbage();
      const sample = await run(contender, round < rounds.warmup);
      if (round >= rounds.warmup) samples.get(contender.name)!.push(sample);
    }
  }
  return samples;
}
