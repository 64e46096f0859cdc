/**
 * Renders bench/results/latest.md from the results: the targets first, then one section per
 * scenario. Every number is a median over the interleaved repetitions; `±` is the
 * interquartile range relative to the median (the noise of the run); ratios are against
 * dockerode measured in the same run.
 */
import { sshTables } from "../scenarios/ssh.js";
import type { ColdStartResult } from "../scenarios/cold-start.js";
import type { ClientInfo, SmallCallsResult } from "../scenarios/small-calls.js";
import type { StreamsResult } from "../scenarios/streams.js";
import type { Summary } from "../lib/stats.js";
import { failed, type BenchResults, type Failed } from "./results.js";

const MIB = 1024 * 1024;
const f = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));
const spread = (s: Summary | undefined) => (s && s.n > 1 ? ` ±${f(s.iqrPct, 0)}%` : "");
const med = (s: Summary | undefined, digits = 1) => (s ? `${f(s.median, digits)}${spread(s)}` : "–");
const vs = (a: Summary | undefined, b: Summary | undefined) => (a && b ? `${f(a.median / b.median, 2)}x` : "–");
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A markdown table; columns whose cells are all numbers (or "–") are right-aligned. */
function table(head: string[], rows: string[][]): string {
  const numeric = (text: string | undefined) =>
    text === undefined || text === "–" || /^[-+]?[\d.]+(x|%| ±\d+%)?$/.test(text.replace(/^\*\*|\*\*$/g, ""));
  const align = head.map((_, i) => (i > 0 && rows.length > 0 && rows.every((r) => numeric(r[i])) ? "---:" : "---"));
  return [`| ${head.join(" | ")} |`, `| ${align.join(" | ")} |`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");
}

function clientProblems(clients: ClientInfo[], runtime: string): string {
  const broken = clients.filter((c) => c.error);
  return broken.length ? broken.map((c) => `- ${c.name} on ${runtime}: ${c.error}`).join("\n") + "\n" : "";
}

function smallCallsSection(result: SmallCallsResult | Failed | undefined, runtime: string): string {
  if (!result) return `_Not run on ${runtime}._\n`;
  if (failed(result)) return `**Failed on ${runtime}:** ${result.error}\n`;
  const out: string[] = [];
  for (const c of result.cases) {
    const dockerode = c.rows.find((r) => r.client === "dockerode");
    out.push(
      `**${c.op}, ${c.concurrency === 1 ? "sequential" : `${c.concurrency} in flight`}** (${c.batch} requests per sample, ${c.rows[0]?.reqPerSec.n ?? 0} samples each)\n`,
    );
    out.push(
      table(
        ["client", "requests/s", "vs dockerode", "client CPU µs/request", "vs dockerode", "note"],
        c.rows.map((r) => [
          r.client,
          med(r.reqPerSec, 0),
          vs(r.reqPerSec, dockerode?.reqPerSec),
          med(r.cpuUsPerReq, 0),
          vs(r.cpuUsPerReq, dockerode?.cpuUsPerReq),
          r.note ??
            (r.client === "berth-api"
              ? "berth's low-level client alone (createDockerApi, v1.41 paths): the transport without the DockerClient layer"
              : r.client === "berth-generic"
                ? "berth's generated client (createDockerV141: the v1.41 method table over createDockerApi)"
                : ""),
        ]),
      ),
    );
    out.push("");
  }
  return clientProblems(result.clients, runtime) + "\n" + out.join("\n");
}

function streamsSection(result: StreamsResult | Failed | undefined, runtime: string): string {
  if (!result) return `_Not run on ${runtime}._\n`;
  if (failed(result)) return `**Failed on ${runtime}:** ${result.error}\n`;
  const rows: string[][] = [];
  for (const c of result.cases) {
    const dockerode = c.rows.find((r) => r.client === "dockerode");
    for (const r of c.rows) {
      rows.push(
        r.error
          ? [c.kind, `${c.sizeMiB}`, r.client, "–", "–", "–", "–", "–", r.error]
          : [
              c.kind,
              `${c.sizeMiB}`,
              r.client,
              med(r.mbPerSec, 0),
              med(r.cpuMsPer100MB, 1),
              vs(r.cpuMsPer100MB, dockerode?.cpuMsPer100MB),
              med(r.peakRssMiB, 0),
              med(r.growthMiB, 0),
              r.bytes !== undefined && r.bytes !== c.sizeMiB * MIB && c.kind !== "export" ? `delivered ${r.bytes} bytes` : "",
            ],
      );
    }
  }
  return (
    table(
      ["stream", "MiB", "client", "MB/s", "CPU ms / 100 MB", "CPU vs dockerode", "peak RSS MiB", "RSS growth during stream MiB", "note"],
      rows,
    ) + "\n"
  );
}

/** What each contender's import loads, per package: the largest few and the total. */
function moduleLoadsTable(modules: NonNullable<ColdStartResult["modules"]>): string {
  const clients = [...new Set(modules.map((m) => m.client))];
  return (
    "Modules the import loads (ESM load hook and CommonJS compile, Node), per package, largest first:\n\n" +
    table(
      ["client", "files", "source KiB", "largest"],
      clients.map((client) => {
        const own = modules.filter((m) => m.client === client);
        const files = own.reduce((n, m) => n + m.files, 0);
        const bytes = own.reduce((n, m) => n + m.bytes, 0);
        return [
          client,
          `${files}`,
          f(bytes / 1024, 0),
          own
            .slice(0, 6)
            .map((m) => `${m.from} (${m.files} files, ${f(m.bytes / 1024, 0)} KiB)`)
            .join(", "),
        ];
      }),
    ) +
    "\n"
  );
}

function coldStartSection(results: BenchResults, runtime: "node" | "bun" | "deno"): string {
  const result = results.coldStart[runtime];
  if (!result) return `_Not run on ${runtime}._\n`;
  if (failed(result)) return `**Failed on ${runtime}:** ${result.error}\n`;
  const dockerode = result.rows.find((r) => r.client === "dockerode");
  return (
    `${result.processes} fresh processes per contender, interleaved, after one unrecorded round.\n\n` +
    table(
      ["client", "import ms", "vs dockerode", "import + first request ms", "vs dockerode", "whole process ms", "note"],
      result.rows.map((r) =>
        r.error
          ? [r.client, "–", "–", "–", "–", "–", r.error]
          : [
              r.client,
              med(r.importMs),
              vs(r.importMs, dockerode?.importMs),
              med(r.importAndRequestMs),
              vs(r.importAndRequestMs, dockerode?.importAndRequestMs),
              med(r.processWallMs, 0),
              [
                r.via ? `first request through ${r.via}` : "",
                r.entry && r.entry.startsWith("/")
                  ? `imported by file path (${r.entry.split("/node_modules/")[1]}): the package's exports entry is missing`
                  : "",
              ]
                .filter(Boolean)
                .join("; "),
            ],
      ),
    ) +
    "\n" +
    (result.modules?.length ? "\n" + moduleLoadsTable(result.modules) : "")
  );
}

/** The whole report. */
export function renderMarkdown(results: BenchResults): string {
  const m = results.meta;
  const out: string[] = [];
  out.push(`# berth benchmarks: latest run\n`);
  out.push(
    `Generated by \`npm run bench\` (bench/run.sh) on ${m.finishedAt} in ${f(m.durationS / 60)} min${m.quick ? ", **quick mode (BENCH_QUICK=1): few repetitions, smoke numbers only**" : ""}. ` +
      `Commit ${m.git.commit.slice(0, 12)}${m.git.dirty ? " with uncommitted changes" : ""}.\n`,
  );
  for (const note of m.notes ?? []) out.push(`${note}\n`);
  const ballast = m.config.streams.heapBallastMiB ?? 0;
  if (ballast > 0)
    out.push(
      `**Every stream child held ${ballast} MiB of live heap (BENCH_HEAP_BALLAST_MIB), so the stream numbers are those of a client in an application's heap, not of the default run** (bench/README.md, "Heap size and the stream numbers on Node").\n`,
    );
  out.push(
    table(
      ["what", "value"],
      [
        ["machine", `${m.machine.cpus} × ${m.machine.cpuModel}, ${f(m.machine.memGiB, 0)} GiB`],
        [
          "load average (1/5/15 min) at start → end",
          `${m.machine.loadAvgStart.map((x) => f(x, 2)).join(" / ")} → ${m.machine.loadAvgEnd.map((x) => f(x, 2)).join(" / ")}`,
        ],
        [
          "runtimes",
          Object.entries(m.runtimes)
            .map(([k, v]) => `${k} ${v}`)
            .join(", "),
        ],
        [
          "daemon",
          `Docker ${m.daemon.version}, API ${m.daemon.apiVersion} (min ${m.daemon.minApiVersion ?? "?"}), storage driver ${m.daemon.storageDriver ?? "?"}`,
        ],
        [
          "clients",
          Object.entries(m.clients)
            .map(([k, v]) => `${k} ${v}`)
            .join(", "),
        ],
      ],
    ),
  );
  out.push(
    `\nEvery figure is the median of interleaved repetitions (contenders rotated A B C, B C A, ...); \`±\` is the interquartile range as a percentage of the median. ` +
      `Ratios compare with dockerode in the same run. The daemon shares the machine's 2 cores with the client, so absolute numbers move with the load; ratios move less.\n`,
  );

  out.push(`## Targets\n`);
  out.push(
    table(
      ["group", "runtime", "target", "case", "verdict", "measured", "why (when missed)"],
      results.verdicts.map((v) => [
        v.group,
        v.runtime ?? "node",
        v.target,
        v.case,
        v.verdict === "missed"
          ? `**missed**${v.withinNoise ? " (within noise)" : ""}`
          : `${v.verdict}${v.withinNoise ? " (within noise)" : ""}`,
        v.measured,
        v.why ?? "",
      ]),
    ),
  );
  out.push(
    `\n"within noise": the verdict would flip somewhere inside the quartile ranges of the two contenders; re-run on a quiet machine.\n`,
  );

  out.push(`## 1. Small calls (Node)\n`);
  out.push(smallCallsSection(results.smallCalls.node, "node"));

  out.push(`## 2. Container lifecycle (create + start + wait + remove, Node)\n`);
  const life = results.lifecycle;
  if (!life) out.push("_Not run._\n");
  else if (failed(life)) out.push(`**Failed:** ${life.error}\n`);
  else {
    const dockerode = life.rows.find((r) => r.client === "dockerode");
    out.push(clientProblems(life.clients, "node"));
    out.push(
      table(
        ["client", "lifecycles/s", "vs dockerode", "client CPU ms/lifecycle", "vs dockerode"],
        life.rows.map((r) => [
          r.client,
          med(r.perSec, 2),
          vs(r.perSec, dockerode?.perSec),
          med(r.cpuMsPerLifecycle, 2),
          vs(r.cpuMsPerLifecycle, dockerode?.cpuMsPerLifecycle),
        ]),
      ) + "\n",
    );
  }

  out.push(`## 3. Streams (Node)\n`);
  out.push(
    `Each measurement in a fresh process, after ${warmupRoundsText(results.meta.config.streams.warmupRounds)} of the same kind (${warmupText(results.meta.config.streams.warmupMiB)}; the peak RSS is reset after them). export: a container holding a file of the given size (tar of the whole filesystem); logs: a stopped container that wrote 1 KiB lines (json-file driver, demultiplexed); attach: a container writing 64 KiB blocks (logging off), attached before start. MB = 10^6 bytes.\n`,
  );
  out.push(streamsSection(results.streams.node, "node"));
  const held = results.streamsHeldHeap;
  if (held) {
    const mib = results.meta.config.streamsHeldHeap.heapBallastMiB;
    out.push(`### The large streams again, ${mib} MiB of heap held (Node)\n`);
    out.push(
      `The same measurement, with every child (each contender alike) holding ${mib} MiB of live objects from before its client loads to the end, as an application's heap would. In a process that is the client alone, V8's old generation is a few MiB, and a stream of socket buffers keeps restarting its major collections; how often depends on how much heap the client's modules take, not on the work per MB (bench/README.md, "Heap size and the stream numbers on Node"). The targets are judged here too (group "Streams, ${mib} MiB of heap held").\n`,
    );
    out.push(streamsSection(held, "node"));
  }

  out.push(`## 4. Demultiplexer alone, in memory (Node, bench/demux.ts)\n`);
  const demux = results.demux;
  if (!demux) out.push("_Not run._\n");
  else {
    if (demux.error) out.push(`**Error:** ${demux.error}\n`);
    if (demux.header.length) out.push(demux.header.map((h) => `_${h}_`).join("  \n") + "\n");
    const rows: string[][] = [];
    for (const c of demux.cases) {
      const dockerode = c.rows.find((r) => r.implementation.startsWith("dockerode"));
      for (const r of c.rows)
        rows.push([
          c.name,
          r.implementation,
          r.gbPerSec < 0.1 ? f(r.gbPerSec, 4) : f(r.gbPerSec, 2),
          f(r.medianMs, 2),
          `${f(r.minMs, 2)}–${f(r.maxMs, 2)}`,
          dockerode ? `${f(dockerode.medianMs / r.medianMs, 1)}x` : "–",
        ]);
    }
    out.push(table(["case", "implementation", "GB/s", "median ms", "min–max ms", "speed vs dockerode"], rows) + "\n");
  }

  out.push(`## 5. Events: delivery latency (Node)\n`);
  const events = results.events;
  if (!events) out.push("_Not run._\n");
  else if (failed(events)) out.push(`**Failed:** ${events.error}\n`);
  else {
    out.push(
      `From the API call that causes the event (volume create / remove) to its arrival at each listener; p50/p99 over every (listener, event) pair; ${events.eventsPerTurn} events per turn, ${events.rounds} turns per contender.\n`,
    );
    const rows: string[][] = [];
    for (const c of events.cases)
      for (const r of c.rows)
        rows.push([
          `${c.listeners}`,
          r.contender,
          f(r.p50Ms, 2),
          f(r.p99Ms, 2),
          f(r.maxMs, 2),
          r.deliveries !== undefined ? `${r.deliveries}` : "–",
          r.missed !== undefined ? `${r.missed}` : "–",
          r.skipped ?? r.error ?? "",
        ]);
    out.push(table(["listeners", "contender", "p50 ms", "p99 ms", "max ms", "deliveries", "missed", "note"], rows) + "\n");
  }

  out.push(`## 6. Cold start and footprint (Node)\n`);
  out.push(coldStartSection(results, "node"));
  const footprint = results.footprint;
  if (!footprint) out.push("_Footprint not measured._\n");
  else if (failed(footprint)) out.push(`**Footprint failed:** ${footprint.error}\n`);
  else {
    const dockerode = footprint.packages.find((p) => p.name === "dockerode");
    out.push(
      `Installed alone with \`npm install --omit=dev\` into an empty directory; \`du -sb node_modules\`. berth: \`npm pack\` of a copy of the working tree (with its \`prepack\` in full runs). MiB per package in "largest" and "largest parts".\n`,
    );
    out.push(
      table(
        [
          "package",
          "version",
          "installed MiB",
          "vs dockerode",
          "packages",
          "largest",
          "largest parts of the package itself",
          "native addons",
          "problems",
        ],
        footprint.packages.map((p) => [
          p.name,
          p.version,
          f(p.bytes / MIB, 2),
          dockerode ? `${f(p.bytes / dockerode.bytes, 2)}x` : "–",
          `${p.packages}`,
          p.largest.map((l) => `${l.name} ${f(l.bytes / MIB, 1)}`).join(", "),
          (p.ownLargest ?? []).map((l) => `${l.name} ${f(l.bytes / MIB, 1)}`).join(", "),
          p.nativeAddons.join(", ") || "none",
          p.problems.join("; "),
        ]),
      ) + "\n",
    );
  }

  out.push(`## 7. ssh:// transport (Node, bench/scenarios/ssh.ts)\n`);
  const ssh = results.ssh;
  if (!ssh) out.push("_Not run._\n");
  else if (failed(ssh)) out.push(`**Failed:** ${ssh.error}\n`);
  else out.push(sshTables(ssh).join("\n") + "\n");

  out.push(`## 8. Bun and Deno\n`);
  for (const runtime of ["bun", "deno"] as const) {
    out.push(`### ${runtime} ${m.runtimes[runtime] ?? ""}\n`);
    out.push(`**Small calls**\n`);
    out.push(smallCallsSection(results.smallCalls[runtime], runtime));
    out.push(`**Streams**\n`);
    out.push(streamsSection(results.streams[runtime], runtime));
    out.push(`**Cold start**\n`);
    out.push(coldStartSection(results, runtime));
  }

  out.push(`## Where berth's client time goes (CPU profiles of the missed targets)\n`);
  if (results.profiles.length === 0)
    out.push(
      results.meta.config.profile
        ? "_No CPU target missed._\n"
        : "_Not profiled (quick runs do not profile; `BENCH_PROFILE=1` to force it)._\n",
    );
  else
    out.push(
      "Each workload re-run alone, on the runtime that missed it, under that runtime's CPU profiler (node:inspector's Profiler: V8's on Node and Deno, JavaScriptCore's on Bun; 200 µs sampling, only the measured window; small calls include the unrecorded warm-up round), once with berth and once with the raw client. berth runs from its bundle (dist/): its frames are named by the source module esbuild marks at that place, with the bundle's line numbers. " +
        "Times are the non-idle samples of the JavaScript thread per unit of work: wall-clock samples, so time the thread spent preempted inside a syscall (the daemon shares the 2 cores) counts too. " +
        "Read the differences between the berth and raw columns, not the absolute values; `process.cpuUsage` in the tables above is the CPU time (all threads).\n",
    );
  for (const p of results.profiles) {
    out.push(`### ${p.workload}\n`);
    if (p.error || !p.berth || !p.raw) {
      out.push(`Profile failed: ${p.error ?? "no profile"}\n`);
      continue;
    }
    const unit = p.unit ?? "unit";
    const berthOwners = new Map(p.berth.byOwner.map((e) => [e.frame, e.us ?? 0]));
    const rawOwners = new Map(p.raw.byOwner.map((e) => [e.frame, e.us ?? 0]));
    const owners = [...new Set([...berthOwners.keys(), ...rawOwners.keys()])].sort(
      (a, b) => (berthOwners.get(b) ?? 0) - (rawOwners.get(b) ?? 0) - ((berthOwners.get(a) ?? 0) - (rawOwners.get(a) ?? 0)),
    );
    const total = (s: typeof p.berth) => (s.units ? (s.busyMs * 1000) / s.units : Number.NaN);
    out.push(
      table(
        ["owner (self time)", `berth µs/${unit}`, `raw µs/${unit}`, "berth − raw"],
        [
          ["**all sampled**", f(total(p.berth)), f(total(p.raw)), f(total(p.berth) - total(p.raw))],
          ...owners.map((o) => [o, f(berthOwners.get(o)), f(rawOwners.get(o)), f((berthOwners.get(o) ?? 0) - (rawOwners.get(o) ?? 0))]),
        ],
      ) + "\n",
    );
    out.push(
      table(
        ["berth function (inclusive)", `µs/${unit}`, "% of busy"],
        p.berth.berthInclusive.map((e) => [e.frame, f(e.us), f(e.pct)]),
      ) + "\n",
    );
    out.push(
      table(
        ["berth run: hottest functions (self)", `µs/${unit}`, "% of busy"],
        p.berth.self.map((e) => [e.frame, f(e.us), f(e.pct)]),
      ) + "\n",
    );
  }
  return out.join("\n") + "\n";
}

/** How many warm-up streams (results written before it was configurable had one). */
function warmupRoundsText(rounds: number | undefined): string {
  const n = rounds ?? 1;
  return n === 1 ? "a warm-up stream" : `${n} warm-up streams`;
}

/** The warm-up streams of a run (results written before they were configurable used 4, 4 and 2 MiB). */
function warmupText(warmupMiB: { export: number; attach: number; logs: number } | undefined): string {
  const { export: exportMiB, attach, logs } = warmupMiB ?? { export: 4, attach: 4, logs: 2 };
  return `${exportMiB} MiB export, ${attach} MiB attach, ${logs} MiB of logs`;
}
