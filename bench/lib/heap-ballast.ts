/**
 * Live heap a bench process holds on purpose (`BENCH_HEAP_BALLAST_MIB`, bench/attach-heap.ts),
 * so that V8 collects as it would in an application's heap (bench/README.md, "Heap size and
 * the stream numbers on Node").
 */

/** The objects: referenced from here until the process exits. */
const ballast: { i: number; s: string; a: number[] }[] = [];

/** Holds about `mib` MiB more: objects of about 100 bytes of heap each (an object, a short string, a one-element array). */
export function holdBallast(mib: number): void {
  for (let i = 0; i < mib * 10_000; i++) ballast.push({ i, s: `entry ${i}`, a: [i] });
}

/** MiB held so far. */
export function ballastMiB(): number {
  return ballast.length / 10_000;
}
