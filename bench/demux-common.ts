/**
 * Shared bits of the demux benchmarks: finding dockerode (the comparison baseline, a dev-only
 * dependency that may be absent) and the statistics.
 */
import { createRequire } from "node:module";
import path from "node:path";

/** What the benchmarks use from dockerode and its docker-modem. */
export interface DockerodeModule {
  Docker: new (options: Record<string, unknown>) => any;
  Modem: new (options?: Record<string, unknown>) => { demuxStream(stream: unknown, stdout: unknown, stderr: unknown): void };
  version: string;
  modemVersion: string;
  from: string;
}

/** dockerode from node_modules, else from the directory in $BERTH_BENCH_DOCKERODE; undefined if neither. */
export async function loadDockerode(): Promise<DockerodeModule | undefined> {
  const candidates = [
    import.meta.url,
    ...(process.env["BERTH_BENCH_DOCKERODE"] ? [path.join(process.env["BERTH_BENCH_DOCKERODE"], "package.json")] : []),
  ];
  for (const base of candidates) {
    try {
      const require = createRequire(base);
      const dockerodeMain = require.resolve("dockerode");
      const dockerodeRequire = createRequire(dockerodeMain);
      const modemMain = dockerodeRequire.resolve("docker-modem");
      return {
        Docker: require("dockerode"),
        Modem: dockerodeRequire("docker-modem"),
        version: dockerodeRequire("../package.json").version,
        modemVersion: createRequire(modemMain)("../package.json").version,
        from: path.dirname(path.dirname(dockerodeMain)),
      };
    } catch {
      // Not installed there.
    }
  }
  return undefined;
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export const median = (values: number[]): number => quantile(values, 0.5);

/** `--name value` pairs. */
export function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) out[arg.slice(2)] = argv[i + 1] ?? "";
  }
  return out;
}
