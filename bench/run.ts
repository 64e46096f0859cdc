/**
 * The benchmark suite (issue #7): runs every scenario for berth, dockerode, @docker/node-sdk
 * and the raw `node:http` limit against the daemon in $BERTH_TEST_DOCKER_HOST, judges the
 * targets, profiles berth where it misses one, and writes bench/results/latest.{json,md}.
 * Start it with `npm run bench` (bench/run.sh: daemon, build, then this); see bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { errorText } from "./lib/errors.js";
import { configFromEnv, type BenchConfig } from "./config.js";
import { repoRoot, runChild, scriptCommand, type RuntimeName } from "./lib/child.js";
import { cleanupRun, daemonVersion, rawFor, targetFromEnv, type BenchTarget } from "./lib/daemon.js";
import { installBerth, installPeer, type InstalledPackage } from "./lib/packages.js";
import { renderMarkdown } from "./report/markdown.js";
import { failed, type BenchResults, type Failed } from "./report/results.js";
import { judge } from "./report/targets.js";
import { runColdStart } from "./scenarios/cold-start.js";
import { runDemux } from "./scenarios/demultiplexer.js";
import { profileSmallCalls, profileStream, type ProfileResult } from "./scenarios/profiles.js";
import { runSsh } from "./scenarios/ssh.js";
import { runStreams } from "./scenarios/streams.js";

const started = Date.now();
const log = (line: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

/** Runs an in-process scenario in a fresh child on `runtime`. */
async function inChild<T>(runtime: RuntimeName, scenario: string, options: unknown): Promise<T | Failed> {
  const result = await runChild<T & { error?: string }>(
    [...scriptCommand(runtime, "scenarios/child"), "--scenario", scenario, "--options", JSON.stringify(options)],
    {
      timeoutMs: 600_000,
    },
  );
  const error = result.error ?? result.value?.error;
  return error ? { error } : result.value!;
}

/**
 * Waits (up to 90 s) until the daemon answers `/_ping`: the daemon is shared, and other
 * engineers' suites restart it (scripts/daemon.sh restart-daemon).
 */
async function waitForDaemon(target: BenchTarget): Promise<void> {
  const raw = rawFor(target);
  const deadline = Date.now() + 90_000;
  let logged = false;
  try {
    for (;;) {
      try {
        if ((await raw.request("GET", "/_ping")).status === 200) return;
      } catch {
        // Not up (yet).
      }
      if (Date.now() > deadline) throw new Error(`the daemon at ${target.host} has not answered /_ping for 90 s`);
      if (!logged) log(`the daemon at ${target.host} does not answer; waiting for it`);
      logged = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    raw.close();
  }
}

let stepTarget: BenchTarget | undefined;

/** Runs one step (once the daemon answers), turning an exception into a failure marker. */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T | Failed> {
  log(`${name} ...`);
  try {
    if (stepTarget) await waitForDaemon(stepTarget);
    const value = await fn();
    if (failed(value)) log(`${name} failed: ${value.error}`);
    return value;
  } catch (error) {
    log(`${name} failed: ${errorText(error)}`);
    return { error: errorText(error) };
  }
}

function tryRun(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", cwd: repoRoot(), stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "?";
  }
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(path.join(repoRoot(), "package.json"));
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    // Packages whose exports hide package.json: find it next to the main entry.
    try {
      const require = createRequire(path.join(repoRoot(), "package.json"));
      const main = require.resolve(name);
      return (createRequire(main)("../package.json") as { version: string }).version;
    } catch {
      return "not installed";
    }
  }
}

async function meta(target: BenchTarget, config: BenchConfig): Promise<BenchResults["meta"]> {
  const raw = rawFor(target);
  try {
    const version = await daemonVersion(raw);
    const info = await raw.json<{ Driver?: string }>("GET", "/info");
    const root = repoRoot();
    const runtimes: BenchResults["meta"]["runtimes"] = { node: process.version.replace(/^v/, "") };
    if (config.runtimes.includes("bun")) runtimes.bun = tryRun(path.join(root, "node_modules/.bin/bun"), ["--version"]);
    if (config.runtimes.includes("deno"))
      runtimes.deno = tryRun(path.join(root, "node_modules/.bin/deno"), ["--version"])
        .split("\n")[0]!
        .replace(/^deno /, "");
    const cpus = os.cpus();
    return {
      startedAt: new Date(started).toISOString(),
      finishedAt: "",
      durationS: 0,
      quick: config.quick,
      git: { commit: tryRun("git", ["rev-parse", "HEAD"]), dirty: tryRun("git", ["status", "--porcelain"]) !== "" },
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model ?? "?",
        memGiB: os.totalmem() / 2 ** 30,
        loadAvgStart: os.loadavg(),
        loadAvgEnd: [],
      },
      runtimes,
      daemon: {
        version: version.Version,
        apiVersion: version.ApiVersion,
        minApiVersion: version.MinAPIVersion,
        storageDriver: info.Driver,
      },
      clients: {
        berth: packageVersion("berth") === "not installed" ? readVersion(root) : packageVersion("berth"),
        dockerode: packageVersion("dockerode"),
        "@docker/node-sdk": packageVersion("@docker/node-sdk"),
      },
      config,
    };
  } finally {
    raw.close();
  }
}

function readVersion(root: string): string {
  return (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
}

function writeResults(results: BenchResults): string {
  const dir = path.join(repoRoot(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  const name = process.env["BENCH_RESULTS_NAME"] ?? "latest";
  const json = path.join(dir, `${name}.json`);
  const md = path.join(dir, `${name}.md`);
  writeFileSync(`${json}.tmp`, JSON.stringify(results, null, 2) + "\n");
  writeFileSync(`${md}.tmp`, renderMarkdown(results));
  renameSync(`${json}.tmp`, json);
  renameSync(`${md}.tmp`, md);
  return md;
}

async function main(): Promise<void> {
  const config = configFromEnv();
  const target = targetFromEnv();
  process.env["BERTH_BENCH_RUN_ID"] = target.runId;
  stepTarget = target;
  const cleanup = async () => {
    const raw = rawFor(target);
    try {
      const n = await cleanupRun(raw, target);
      if (n) log(`removed ${n} leftover containers/volumes`);
    } catch (error) {
      // The results are still written; the daemon (shared, restarted by others) may be gone.
      log(`cleanup failed (remove what is labelled berth-bench=${target.runId} by hand): ${errorText(error)}`);
    } finally {
      raw.close();
    }
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  log(
    `${config.quick ? "quick" : "full"} run ${target.runId} against ${target.host}; scenarios ${config.scenarios.join(",")}; runtimes ${config.runtimes.join(",")}`,
  );
  const results: BenchResults = {
    meta: await meta(target, config),
    smallCalls: {},
    streams: {},
    coldStart: {},
    profiles: [],
    verdicts: [],
  };
  const has = (s: BenchConfig["scenarios"][number]) => config.scenarios.includes(s);
  try {
    if (has("small")) {
      for (const runtime of config.runtimes) {
        const clients = [...new Set([...config.clients.slice(0, 1), ...config.smallCallsExtraClients, ...config.clients.slice(1)])];
        const options = { ...(runtime === "node" ? config.smallCalls : config.smallCallsOtherRuntimes), clients };
        results.smallCalls[runtime] = await step(`small calls on ${runtime}`, () => inChild(runtime, "small-calls", options));
      }
    }
    if (has("lifecycle"))
      results.lifecycle = await step("lifecycle", () => inChild("node", "lifecycle", { ...config.lifecycle, clients: config.clients }));
    if (has("streams")) {
      for (const runtime of config.runtimes) {
        const preset = runtime === "node" ? config.streams : { ...config.streams, ...config.streamsOtherRuntimes };
        const options = { ...preset, clients: config.clients, kinds: config.streamKinds };
        results.streams[runtime] = await step(`streams on ${runtime}`, () => runStreams(target, runtime, options, log));
      }
      const held = config.streamsHeldHeap;
      if (config.runtimes.includes("node") && held.heapBallastMiB > 0 && config.streams.heapBallastMiB === 0) {
        const options = { ...config.streams, ...held, kinds: config.streamKinds };
        results.streamsHeldHeap = await step(`streams on node, ${held.heapBallastMiB} MiB of heap held`, () =>
          runStreams(target, "node", options, log),
        );
      }
    }
    if (has("demux")) {
      const demux = await step("demultiplexer (bench/demux.ts)", () => runDemux(config.demux.reps));
      results.demux = failed(demux) ? { header: [], cases: [], error: demux.error } : demux;
    }
    if (has("events")) results.events = await step("events", () => inChild("node", "events", config.events));
    // In this process: it measures its own CPU and its ssh children's (bench/scenarios/ssh.ts).
    if (has("ssh")) results.ssh = await step("ssh:// transport", () => runSsh(config.ssh));
    const installed: Partial<Record<"berth" | "dockerode" | "node-sdk", InstalledPackage>> = {};
    if (has("footprint") || has("cold")) {
      results.footprint = await step("footprint (build, pack, install)", async () => {
        const packages: InstalledPackage[] = [];
        for (const [key, install] of [
          ["berth", () => installBerth(!config.quick)],
          ["dockerode", () => installPeer("dockerode", packageVersion("dockerode"))],
          ["node-sdk", () => installPeer("@docker/node-sdk", packageVersion("@docker/node-sdk"))],
        ] as const) {
          try {
            installed[key] = install();
            packages.push(installed[key]!);
          } catch (error) {
            log(`  install of ${key} failed: ${errorText(error)}`);
          }
        }
        return { packages };
      });
      if (!has("footprint")) results.footprint = undefined;
    }
    if (has("cold")) {
      for (const runtime of config.runtimes) {
        const processes = runtime === "node" ? config.coldStart.processes : config.coldStart.processesOtherRuntimes;
        results.coldStart[runtime] = await step(`cold start on ${runtime}`, () =>
          // The extra berth rows too: the low-level client alone, and the generated client's own entry point.
          runColdStart(
            target,
            runtime,
            installed,
            [...new Set([...config.clients, ...config.smallCallsExtraClients])],
            { processes },
            repoRoot(),
          ),
        );
      }
    }

    const judged = judge(results);
    results.verdicts = judged.verdicts;
    const seen = new Set<string>();
    for (const request of config.profile ? judged.profiles : []) {
      const key = JSON.stringify(request);
      if (seen.has(key)) continue;
      seen.add(key);
      const profile: ProfileResult | Failed = await step(`profile of berth: ${key}`, () =>
        request.kind === "small"
          ? profileSmallCalls(request.runtime, request.op!, request.concurrency!, config.quick ? 1000 : 2000)
          : profileStream(
              target,
              request.runtime,
              request.stream!,
              request.sizeMiB!,
              config.streams.warmupMiB[request.stream!],
              config.streams.warmupRounds,
            ),
      );
      results.profiles.push(failed(profile) ? { workload: key, error: profile.error } : profile);
    }
  } finally {
    await cleanup();
  }
  results.meta.finishedAt = new Date().toISOString();
  results.meta.durationS = (Date.now() - started) / 1000;
  results.meta.machine.loadAvgEnd = os.loadavg();
  const file = writeResults(results);
  const missed = results.verdicts.filter((v) => v.verdict === "missed").length;
  log(
    `done in ${(results.meta.durationS / 60).toFixed(1)} min: ${results.verdicts.length - missed} targets met, ${missed} missed; wrote ${path.relative(repoRoot(), file)} and .json`,
  );
}

await main();
process.exit(0);
