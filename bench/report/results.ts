/**
 * The shape of bench/results/latest.json: everything a run measured, its configuration and
 * the machine it ran on, so that the markdown can be re-rendered and runs compared later.
 */
import type { BenchConfig } from "../config.js";
import type { RuntimeName } from "../lib/child.js";
import type { InstalledPackage } from "../lib/packages.js";
import type { ColdStartResult } from "../scenarios/cold-start.js";
import type { DemuxResult } from "../scenarios/demultiplexer.js";
import type { EventsResult } from "../scenarios/events.js";
import type { SshResult } from "../scenarios/ssh.js";
import type { LifecycleResult } from "../scenarios/lifecycle.js";
import type { ProfileResult } from "../scenarios/profiles.js";
import type { SmallCallsResult } from "../scenarios/small-calls.js";
import type { StreamsResult } from "../scenarios/streams.js";

/** A scenario that could not run at all. */
export interface Failed {
  error: string;
}

/** Whether a value is a failure marker. */
export function failed(value: unknown): value is Failed {
  return (
    typeof value === "object" &&
    value !== null &&
    "error" in value &&
    typeof (value as Failed).error === "string" &&
    Object.keys(value).length === 1
  );
}

/** One target, judged. */
export interface Verdict {
  /** Scenario group: small calls, streams, demux, cold start. */
  group: string;
  /** The runtime it was measured on (small calls and streams); unset where only Node runs. */
  runtime?: RuntimeName | undefined;
  /** The target as stated in issue #7 or #18. */
  target: string;
  /** The case it was judged on (e.g. `inspect, 32 in flight`). */
  case: string;
  /** `met`, `missed`, or `n/a` when there is nothing to judge (a contender failed). */
  verdict: "met" | "missed" | "n/a";
  /** The measured ratio or value, as text. */
  measured: string;
  /** Set when the quartile ranges overlap the threshold: the verdict could flip on a quieter machine. */
  withinNoise?: boolean | undefined;
  /** Why it was missed (or why n/a). */
  why?: string | undefined;
}

/** The whole run. */
export interface BenchResults {
  meta: {
    startedAt: string;
    finishedAt: string;
    durationS: number;
    quick: boolean;
    git: { commit: string; dirty: boolean };
    machine: { cpus: number; cpuModel: string; memGiB: number; loadAvgStart: number[]; loadAvgEnd: number[] };
    runtimes: Partial<Record<RuntimeName, string>>;
    daemon: { version: string; apiVersion: string; minApiVersion?: string | undefined; storageDriver?: string | undefined };
    clients: Record<string, string>;
    config: BenchConfig;
    /** Remarks on how the run was made (a scenario re-run and merged in), shown under the heading. */
    notes?: string[] | undefined;
  };
  smallCalls: Partial<Record<RuntimeName, SmallCallsResult | Failed>>;
  lifecycle?: LifecycleResult | Failed | undefined;
  streams: Partial<Record<RuntimeName, StreamsResult | Failed>>;
  /** The large Node streams again with `config.streamsHeldHeap.heapBallastMiB` of heap held in every child. */
  streamsHeldHeap?: StreamsResult | Failed | undefined;
  demux?: DemuxResult | undefined;
  events?: EventsResult | Failed | undefined;
  /** Scenario `ssh`: the ssh:// transport against the unix socket, the docker CLI and dockerode. */
  ssh?: SshResult | Failed | undefined;
  coldStart: Partial<Record<RuntimeName, ColdStartResult | Failed>>;
  footprint?: { packages: InstalledPackage[] } | Failed | undefined;
  profiles: ProfileResult[];
  verdicts: Verdict[];
}
