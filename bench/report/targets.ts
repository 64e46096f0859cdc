/**
 * The targets of issues #7 and #18 (per runtime), judged on one run's medians (all contenders measured in the same
 * run against the same daemon). Each verdict says what was measured and, when missed, why as
 * far as the numbers tell; profiles (bench/scenarios/profiles.ts) add where berth's time goes.
 */
import type { Summary } from "../lib/stats.js";
import type { ColdStartResult } from "../scenarios/cold-start.js";
import type { SmallCallsResult } from "../scenarios/small-calls.js";
import type { RuntimeName } from "../lib/child.js";
import type { StreamsResult } from "../scenarios/streams.js";
import { failed, type BenchResults, type Verdict } from "./results.js";

/** Profiles worth taking for the missed targets: which workload, and the verdicts they explain. */
export interface ProfileRequest {
  kind: "small" | "stream";
  /** The runtime the target was missed on (profiled there). */
  runtime: RuntimeName;
  op?: "inspect" | "ping" | undefined;
  concurrency?: number | undefined;
  stream?: "export" | "logs" | "attach" | undefined;
  sizeMiB?: number | undefined;
}

const MIB = 1024 * 1024;
/** Growth of peak RSS from the small to the large stream size still called flat. */
export const FLAT_MEMORY_SLACK_MIB = 16;

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "?");
/** Three significant digits (throughputs that span 0.001 to 100 GB/s). */
const sig = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : "?");

/** Ratio a/b with the quartile bounds, for "higher is better" (`better: "high"`) or lower. */
function ratio(a: Summary, b: Summary, better: "high" | "low", threshold: number) {
  const value = a.median / b.median;
  const best = better === "high" ? a.p75 / b.p25 : a.p25 / b.p75;
  const worst = better === "high" ? a.p25 / b.p75 : a.p75 / b.p25;
  const ok = (x: number) => (better === "high" ? x >= threshold : x <= threshold);
  return { value, met: ok(value), withinNoise: ok(best) !== ok(worst) };
}

/** A judged comparison of berth with one peer, as a verdict. */
interface Comparison {
  group: string;
  runtime: RuntimeName;
  target: string;
  case: string;
  berth: Summary;
  peer: Summary;
  peerName: string;
  better: "high" | "low";
  threshold: number;
  unit: string;
  digits: number;
  /** Why, when missed, beyond the numbers. */
  why: (needed: string) => string;
}

function compare(c: Comparison): Verdict {
  const r = ratio(c.berth, c.peer, c.better, c.threshold);
  const needed = `${c.better === "high" ? "≥" : "≤"} ${fmt(c.threshold * c.peer.median, c.digits)} ${c.unit}`;
  return {
    group: c.group,
    runtime: c.runtime,
    target: c.target,
    case: c.case,
    verdict: r.met ? "met" : "missed",
    measured: `${fmt(r.value)}x (${fmt(c.berth.median, c.digits)} vs ${fmt(c.peer.median, c.digits)} ${c.unit})`,
    withinNoise: r.withinNoise,
    why: r.met ? undefined : c.why(`needs ${needed}`),
  };
}

function notJudged(group: string, runtime: RuntimeName, target: string, name: string, why: string): Verdict {
  return { group, runtime, target, case: name, verdict: "n/a", measured: "-", why };
}

/**
 * Small calls, per runtime: throughput ≥ dockerode and client CPU ≤ dockerode wherever
 * dockerode runs (≤ 0.8x on Node, issue #7), and client CPU within 10% of the runtime's raw
 * client (issue #18: the practical limit), throughput ≥ 0.9x of it.
 */
function smallCallVerdicts(result: SmallCallsResult, runtime: RuntimeName): { verdicts: Verdict[]; profiles: ProfileRequest[] } {
  const verdicts: Verdict[] = [];
  const profiles: ProfileRequest[] = [];
  const group = "Small calls";
  const cpuVsDockerode = runtime === "node" ? 0.8 : 1;
  for (const c of result.cases) {
    const name = `${c.op}, ${c.concurrency === 1 ? "sequential" : `${c.concurrency} in flight`}`;
    const row = (client: string) => c.rows.find((r) => r.client === client);
    const berth = row("berth");
    const dockerode = row("dockerode");
    const raw = row("raw");
    const api = row("berth-api");
    let wantProfile = false;
    const extra = () =>
      (berth && api
        ? `; berth-api (createDockerApi alone) ${fmt(api.cpuUsPerReq.median, 0)} µs, ${fmt(api.reqPerSec.median, 0)} req/s`
        : "") +
      (raw && dockerode ? `; the raw client: ${fmt(raw.cpuUsPerReq.median / dockerode.cpuUsPerReq.median)}x dockerode's CPU` : "");
    type Pick = "reqPerSec" | "cpuUsPerReq";
    /** One small-call comparison of `subject` (a berth contender) with `peer` on `pick`. */
    const compareCalls = (
      subjectGroup: string,
      target: string,
      subject: NonNullable<typeof berth>,
      peer: NonNullable<typeof berth>,
      peerName: string,
      pick: Pick,
      threshold: number,
      why: (needed: string) => string,
    ) =>
      compare({
        group: subjectGroup,
        runtime,
        target,
        case: name,
        berth: subject[pick],
        peer: peer[pick],
        peerName,
        better: pick === "reqPerSec" ? "high" : "low",
        threshold,
        unit: pick === "reqPerSec" ? "req/s" : "µs",
        digits: 0,
        why,
      });
    const judge = (target: string, peer: typeof berth, peerName: string, pick: Pick, threshold: number) => {
      if (!berth || !peer) {
        verdicts.push(notJudged(group, runtime, target, name, `no numbers for ${!berth ? "berth" : peerName} on ${runtime}`));
        return;
      }
      const verdict = compareCalls(
        group,
        target,
        berth,
        peer,
        peerName,
        pick,
        threshold,
        (needed) =>
          (pick === "reqPerSec"
            ? `client CPU per request: berth ${fmt(berth.cpuUsPerReq.median, 0)} µs, ${peerName} ${fmt(peer.cpuUsPerReq.median, 0)} µs; ` +
              (berth.cpuUsPerReq.median > peer.cpuUsPerReq.median
                ? "berth's extra client work costs throughput"
                : "not client CPU: look at waits (connection reuse, queueing)")
            : `${needed}`) +
          (runtime === "node" ? "; the profile below shows where berth's time goes" : "") +
          extra(),
      );
      if (verdict.verdict === "missed") wantProfile = true;
      verdicts.push(verdict);
    };
    if (dockerode || runtime === "node") {
      judge("throughput ≥ dockerode", dockerode, "dockerode", "reqPerSec", 1);
      judge(`client CPU per request ≤ ${cpuVsDockerode}x dockerode`, dockerode, "dockerode", "cpuUsPerReq", cpuVsDockerode);
    }
    judge("client CPU per request ≤ 1.1x the raw client", raw, "raw", "cpuUsPerReq", 1.1);
    judge("throughput within 10% of the raw client (≥ 0.9x)", raw, "raw", "reqPerSec", 0.9);
    // The generated client (createDockerV141, issue #18): the same goals against the same peers.
    const generic = row("berth-generic");
    for (const [target, peer, peerName, pick, threshold] of [
      ["throughput ≥ dockerode", dockerode, "dockerode", "reqPerSec", 1],
      ["client CPU per request ≤ 1.1x the raw client", raw, "raw", "cpuUsPerReq", 1.1],
    ] as const) {
      if (!generic || !peer) continue;
      verdicts.push(
        compareCalls(
          "Small calls, generated client",
          target,
          generic,
          peer,
          peerName,
          pick,
          threshold,
          (needed) =>
            `${needed}; berth's DockerClient: ${fmt(berth?.[pick].median ?? Number.NaN, 0)} ${pick === "reqPerSec" ? "req/s" : "µs"}`,
        ),
      );
    }
    if (wantProfile) profiles.push({ kind: "small", runtime, op: c.op, concurrency: c.concurrency });
  }
  return { verdicts, profiles };
}

/**
 * Streams, per runtime: client CPU per MB within 10% of the runtime's raw client and ≤
 * dockerode's, throughput ≥ dockerode's, memory flat with size; and issue #7's ≤ 0.5x
 * dockerode wherever the raw client shows it is reachable (raw ≤ 0.5x dockerode in this run).
 */
function streamVerdicts(
  result: StreamsResult,
  runtime: RuntimeName,
  options: { group?: string; held?: { result: StreamsResult; mib: number } | undefined } = {},
): { verdicts: Verdict[]; profiles: ProfileRequest[] } {
  const verdicts: Verdict[] = [];
  const profiles: ProfileRequest[] = [];
  const group = options.group ?? "Streams";
  // Only the default run asks for profiles; the held-heap run explains its misses itself.
  const profiling = options.group === undefined;
  const kinds = [...new Set(result.cases.map((c) => c.kind))];
  for (const kind of kinds) {
    const sizes = result.cases.filter((c) => c.kind === kind).sort((a, b) => a.sizeMiB - b.sizeMiB);
    const large = sizes[sizes.length - 1]!;
    const small = sizes[0]!;
    const row = (client: string) => large.rows.find((r) => r.client === client);
    const berth = row("berth");
    const dockerode = row("dockerode");
    const raw = row("raw");
    const name = `${kind}, ${large.sizeMiB} MiB`;
    let wantProfile = false;
    /** The same target in the held-heap run, for a miss of the default run. */
    const heldNote = (pick: "cpuMsPer100MB" | "mbPerSec") => {
      const heldCase = options.held?.result.cases.find((c) => c.kind === kind && c.sizeMiB === large.sizeMiB);
      const b = heldCase?.rows.find((r) => r.client === "berth")?.[pick];
      const p = heldCase?.rows.find((r) => r.client === "raw")?.[pick];
      return b && p ? `; with ${options.held!.mib} MiB of heap held in every process: ${fmt(b.median / p.median)}x the raw client` : "";
    };
    const rawNote = () =>
      raw?.cpuMsPer100MB && dockerode?.cpuMsPer100MB
        ? `; the raw client needs ${fmt(raw.cpuMsPer100MB.median, 1)} ms = ${fmt(raw.cpuMsPer100MB.median / dockerode.cpuMsPer100MB.median)}x dockerode`
        : "";
    const judge = (target: string, peer: typeof berth, peerName: string, pick: "cpuMsPer100MB" | "mbPerSec", threshold: number) => {
      const b = berth?.[pick];
      const p = peer?.[pick];
      if (!b || !p) {
        verdicts.push(notJudged(group, runtime, target, name, berth?.error ?? peer?.error ?? `no numbers for ${!b ? "berth" : peerName}`));
        return;
      }
      const verdict = compare({
        group,
        runtime,
        target,
        case: name,
        berth: b,
        peer: p,
        peerName,
        better: pick === "mbPerSec" ? "high" : "low",
        threshold,
        unit: pick === "mbPerSec" ? "MB/s" : "ms per 100 MB",
        digits: 1,
        why: (needed) =>
          `${needed}` +
          (profiling && runtime === "node" && pick === "cpuMsPer100MB" ? "; the profile below shows where berth's time goes" : "") +
          rawNote() +
          (peerName === "raw" ? heldNote(pick) : ""),
      });
      if (verdict.verdict === "missed" && pick === "cpuMsPer100MB" && profiling) wantProfile = true;
      verdicts.push(verdict);
    };
    const dockerodeRuns = !!dockerode?.cpuMsPer100MB;
    if (dockerodeRuns || runtime === "node") {
      judge("client CPU per MB ≤ dockerode", dockerode, "dockerode", "cpuMsPer100MB", 1);
      judge("throughput ≥ dockerode", dockerode, "dockerode", "mbPerSec", 1);
    }
    const rawHalf = raw?.cpuMsPer100MB && dockerode?.cpuMsPer100MB ? raw.cpuMsPer100MB.median / dockerode.cpuMsPer100MB.median : Infinity;
    if (rawHalf <= 0.5) judge("client CPU per MB ≤ 0.5x dockerode (reachable: raw ≤ 0.5x)", dockerode, "dockerode", "cpuMsPer100MB", 0.5);
    judge("client CPU per MB ≤ 1.1x the raw client", raw, "raw", "cpuMsPer100MB", 1.1);
    if (wantProfile) profiles.push({ kind: "stream", runtime, stream: kind, sizeMiB: large.sizeMiB });
    const berthSmall = small.rows.find((r) => r.client === "berth");
    const rawSmall = small.rows.find((r) => r.client === "raw");
    if (small !== large && berth?.peakRssMiB && berthSmall?.peakRssMiB) {
      const growth = berth.peakRssMiB.median - berthSmall.peakRssMiB.median;
      const met = growth <= FLAT_MEMORY_SLACK_MIB;
      const rawGrowth = raw?.peakRssMiB && rawSmall?.peakRssMiB ? raw.peakRssMiB.median - rawSmall.peakRssMiB.median : undefined;
      verdicts.push({
        group,
        runtime,
        target: `memory flat with size (peak RSS grows ≤ ${FLAT_MEMORY_SLACK_MIB} MiB from ${small.sizeMiB} to ${large.sizeMiB} MiB)`,
        case: kind,
        verdict: met ? "met" : "missed",
        measured: `${fmt(berthSmall.peakRssMiB.median, 0)} → ${fmt(berth.peakRssMiB.median, 0)} MiB (${growth >= 0 ? "+" : ""}${fmt(growth, 0)} MiB)`,
        why: met
          ? undefined
          : `peak RSS grew ${fmt(growth, 0)} MiB for ${large.sizeMiB - small.sizeMiB} MiB more data` +
            (rawGrowth !== undefined && rawGrowth >= growth
              ? `; the raw client's grew ${fmt(rawGrowth, 0)} MiB on ${runtime} too: the runtime collects later, nothing buffers in proportion to the stream`
              : `: something buffers in proportion to the stream` +
                (rawGrowth !== undefined ? ` (the raw client's grew ${fmt(rawGrowth, 0)} MiB)` : "")),
      });
    }
  }
  return { verdicts, profiles };
}

/**
 * The ssh:// transport (issue #18: per-call overhead over the unix socket): each call and the
 * export at least as good as dockerode's ssh (ssh2), the one other client with its own ssh. One
 * sample per contender (medians of sequential calls), so no noise bounds.
 */
function sshVerdicts(ssh: BenchResults["ssh"]): Verdict[] {
  if (!ssh) return [];
  const group = "ssh://";
  if (failed(ssh)) return [{ group, runtime: "node", target: "ssh transport", case: "all", verdict: "n/a", measured: "-", why: ssh.error }];
  const verdicts: Verdict[] = [];
  const find = (contender: string, op: string) => ssh.rows.find((r) => r.contender === contender && r.op === op);
  for (const op of ["ping", "inspect"]) {
    const berth = find("berth ssh", op);
    const unix = find("berth unix", op);
    const dockerode = find("dockerode ssh (ssh2)", op);
    if (!berth || !dockerode || !Number.isFinite(dockerode.latencyUs)) continue;
    const value = berth.latencyUs / dockerode.latencyUs;
    verdicts.push({
      group,
      runtime: "node",
      target: "latency per call ≤ dockerode's ssh (ssh2)",
      case: `${op}, sequential`,
      verdict: value <= 1 ? "met" : "missed",
      measured: `${sig(value)}x (${fmt(berth.latencyUs, 0)} vs ${fmt(dockerode.latencyUs, 0)} µs; ${unix ? `${fmt(berth.latencyUs / unix.latencyUs)}x the unix socket` : "no unix baseline"})`,
      why: value <= 1 ? undefined : `needs ≤ ${fmt(dockerode.latencyUs, 0)} µs`,
    });
  }
  const berthExport = ssh.exports.find((e) => e.contender === "berth ssh");
  const dockerodeExport = ssh.exports.find((e) => e.contender === "dockerode ssh (ssh2)");
  if (berthExport && dockerodeExport) {
    const value = berthExport.mbps / dockerodeExport.mbps;
    verdicts.push({
      group,
      runtime: "node",
      target: "export throughput ≥ dockerode's ssh (ssh2)",
      case: `export, ${ssh.options.exportMiB} MiB`,
      verdict: value >= 1 ? "met" : "missed",
      measured: `${fmt(value)}x (${fmt(berthExport.mbps, 1)} vs ${fmt(dockerodeExport.mbps, 1)} MB/s)`,
      why: value >= 1 ? undefined : `needs ≥ ${fmt(dockerodeExport.mbps, 1)} MB/s`,
    });
  }
  return verdicts;
}

/** What berth's import loads, for a missed import target. */
function importWhy(modules: ColdStartResult["modules"]): string {
  const berth = (modules ?? []).filter((m) => m.client === "berth");
  if (berth.length === 0) return "no module list";
  const files = berth.reduce((n, m) => n + m.files, 0);
  const kib = berth.reduce((n, m) => n + m.bytes, 0) / 1024;
  return `\`import "berth"\` loads ${files} modules (${fmt(kib, 0)} KiB of source), mostly ${berth
    .slice(0, 3)
    .map((m) => `${m.from} (${m.files} files, ${fmt(m.bytes / 1024, 0)} KiB)`)
    .join(", ")}: module loading and compiling is the import time (see "Modules the import loads" in section 6)`;
}

/** Judges every target the results have numbers for; also says which profiles would explain the misses. */
export function judge(results: BenchResults): { verdicts: Verdict[]; profiles: ProfileRequest[] } {
  const verdicts: Verdict[] = [];
  const profiles: ProfileRequest[] = [];
  for (const runtime of ["node", "bun", "deno"] as const) {
    const small = results.smallCalls[runtime];
    if (small && !failed(small)) {
      const v = smallCallVerdicts(small, runtime);
      verdicts.push(...v.verdicts);
      profiles.push(...v.profiles);
    }
    const streams = results.streams[runtime];
    const heldResult =
      runtime === "node" && results.streamsHeldHeap && !failed(results.streamsHeldHeap) ? results.streamsHeldHeap : undefined;
    const held = heldResult ? { result: heldResult, mib: results.meta.config.streamsHeldHeap.heapBallastMiB } : undefined;
    if (streams && !failed(streams)) {
      const v = streamVerdicts(streams, runtime, { held });
      verdicts.push(...v.verdicts);
      profiles.push(...v.profiles);
    }
    if (held) verdicts.push(...streamVerdicts(held.result, runtime, { group: `Streams, ${held.mib} MiB of heap held` }).verdicts);
  }
  verdicts.push(...sshVerdicts(results.ssh));
  if (results.demux) {
    if (results.demux.error)
      verdicts.push({
        group: "Demultiplexer",
        target: "≥ 3x dockerode's demuxStream",
        case: "all",
        verdict: "n/a",
        measured: "-",
        why: results.demux.error,
      });
    for (const c of results.demux.cases) {
      const berth = c.rows.find((r) => r.implementation === "berth Demuxer");
      const stream = c.rows.find((r) => r.implementation === "berth DemuxStream");
      const dockerode = c.rows.find((r) => r.implementation.startsWith("dockerode"));
      if (!berth || !dockerode) {
        verdicts.push({
          group: "Demultiplexer",
          target: "≥ 3x dockerode's demuxStream",
          case: c.name,
          verdict: "n/a",
          measured: "-",
          why: "dockerode or berth row missing",
        });
        continue;
      }
      const x = dockerode.medianMs / berth.medianMs;
      const xs = stream ? dockerode.medianMs / stream.medianMs : Number.NaN;
      verdicts.push({
        group: "Demultiplexer",
        target: "≥ 3x dockerode's demuxStream (berth Demuxer)",
        case: c.name,
        verdict: x >= 3 ? "met" : "missed",
        measured: `${fmt(x, 1)}x (${sig(berth.gbPerSec)} vs ${sig(dockerode.gbPerSec)} GB/s; DemuxStream ${fmt(xs, 1)}x)`,
        why: x >= 3 ? undefined : `berth's Demuxer runs at ${sig(berth.gbPerSec)} GB/s on this input`,
      });
    }
  }
  const cold = results.coldStart.node;
  if (cold && !failed(cold)) {
    const berth = cold.rows.find((r) => r.client === "berth");
    const dockerode = cold.rows.find((r) => r.client === "dockerode");
    if (berth?.importMs && dockerode?.importMs) {
      const r = ratio(berth.importMs, dockerode.importMs, "low", 0.5);
      verdicts.push({
        group: "Cold start",
        target: "import time ≤ 0.5x dockerode",
        case: "node, fresh process",
        verdict: r.met ? "met" : "missed",
        measured: `${fmt(r.value)}x (${fmt(berth.importMs.median, 1)} vs ${fmt(dockerode.importMs.median, 1)} ms)`,
        withinNoise: r.withinNoise,
        why: r.met ? undefined : importWhy(cold.modules),
      });
    } else {
      verdicts.push({
        group: "Cold start",
        target: "import time ≤ 0.5x dockerode",
        case: "node",
        verdict: "n/a",
        measured: "-",
        why: berth?.error ?? dockerode?.error ?? "no numbers",
      });
    }
  }
  const footprint = results.footprint;
  if (footprint && !failed(footprint)) {
    const berth = footprint.packages.find((p) => p.name === "berth");
    const dockerode = footprint.packages.find((p) => p.name === "dockerode");
    if (berth && dockerode) {
      const x = berth.bytes / dockerode.bytes;
      verdicts.push({
        group: "Cold start",
        target: "installed runtime footprint < 0.1x dockerode",
        case: "npm install --omit=dev",
        verdict: x < 0.1 ? "met" : "missed",
        measured: `${fmt(x)}x (${fmt(berth.bytes / MIB, 1)} vs ${fmt(dockerode.bytes / MIB, 1)} MiB)`,
        why:
          x < 0.1
            ? undefined
            : `berth's largest installed packages: ${berth.largest.map((p) => `${p.name} ${fmt(p.bytes / MIB, 1)} MiB`).join(", ")}` +
              (berth.ownLargest?.length
                ? `; inside berth: ${berth.ownLargest.map((p) => `${p.name} ${fmt(p.bytes / MIB, 1)} MiB`).join(", ")}`
                : "") +
              `; the target allows ${fmt((dockerode.bytes * 0.1) / MIB, 1)} MiB` +
              (berth.scriptBytes && dockerode.scriptBytes
                ? `; the JavaScript files alone: ${fmt(berth.scriptBytes / MIB, 1)} vs ${fmt(dockerode.scriptBytes / MIB, 1)} MiB (${fmt(berth.scriptBytes / dockerode.scriptBytes)}x)`
                : ""),
      });
      verdicts.push({
        group: "Cold start",
        target: "no native addons",
        case: "berth's installed tree",
        verdict: berth.nativeAddons.length === 0 ? "met" : "missed",
        measured: berth.nativeAddons.length === 0 ? "none" : berth.nativeAddons.join(", "),
        why: berth.nativeAddons.length === 0 ? undefined : "a runtime dependency ships or builds a native addon",
      });
    }
  }
  return { verdicts, profiles };
}
