/**
 * Scenario 4, the demultiplexer alone, in memory: runs the attach engineer's bench/demux.ts
 * (berth's `Demuxer` and `DemuxStream` against dockerode's `demuxStream`, interleaved) in a
 * fresh process and reads its markdown tables back into numbers.
 */
import { errorLine, runProcess, scriptCommand } from "../lib/child.js";

/** One implementation in one case. */
export interface DemuxRow {
  implementation: string;
  medianMs: number;
  /** GB/s (10^9 bytes) of input. */
  gbPerSec: number;
  minMs: number;
  maxMs: number;
  iqrMs: number;
}

/** One input shape. */
export interface DemuxCase {
  name: string;
  inputMiB: number;
  rows: DemuxRow[];
}

/** The scenario's result. */
export interface DemuxResult {
  header: string[];
  cases: DemuxCase[];
  error?: string | undefined;
}

/** Parses bench/demux.ts output: `## <case> (<n> MiB input, ...)` headings, then `| impl | ms | MiB/s | min–max | IQR |` rows. */
export function parseDemuxOutput(text: string): DemuxResult {
  const header: string[] = [];
  const cases: DemuxCase[] = [];
  for (const line of text.split("\n")) {
    const heading = /^## (.+?) \((\d+(?:\.\d+)?) MiB input/.exec(line);
    if (heading) {
      cases.push({ name: heading[1]!, inputMiB: Number(heading[2]), rows: [] });
      continue;
    }
    if (line.startsWith("# ")) header.push(line.slice(2));
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 6 || !cases.length) continue;
    const [, implementation, ms, mibPerSec, spread, iqr] = cells;
    if (!implementation || !Number.isFinite(Number(ms))) continue;
    const [min, max] = spread!.split(/[–-]/).map(Number);
    cases[cases.length - 1]!.rows.push({
      implementation,
      medianMs: Number(ms),
      gbPerSec: (Number(mibPerSec) * 1024 * 1024) / 1e9,
      minMs: min!,
      maxMs: max!,
      iqrMs: Number(iqr),
    });
  }
  return { header, cases };
}

/** Runs bench/demux.ts and parses it. */
export async function runDemux(reps: number): Promise<DemuxResult> {
  const result = await runProcess([...scriptCommand("node", "demux"), "--reps", String(reps)], { timeoutMs: 300_000 });
  if (result.spawnError || result.code !== 0) {
    const tail = result.spawnError ?? errorLine(result.stderr);
    return { header: [], cases: [], error: `bench/demux.ts failed (exit ${result.code}): ${tail}` };
  }
  const parsed = parseDemuxOutput(result.stdout);
  if (parsed.cases.length === 0) parsed.error = `could not read bench/demux.ts output: ${result.stdout.slice(0, 200)}`;
  return parsed;
}
