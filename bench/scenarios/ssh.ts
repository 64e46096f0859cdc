/**
 * The ssh:// transport side by side, in one run (issue #14): per-call latency and CPU of ping
 * and container inspect, and export MB/s, for
 *
 * - berth over the unix socket (the baseline the ratios are against),
 * - berth over ssh:// (keep-alive ssh processes; CPU includes the ssh child processes, read
 *   from /proc, since ssh does the encryption),
 * - the docker CLI with `-H ssh://` (a process, and an ssh connection, per call),
 * - dockerode's ssh (docker-modem over the ssh2 package), where it runs.
 *
 * Against the tests' own sshd (scripts/sshd.sh) and daemon. `npm run bench` runs it as scenario
 * `ssh` (bench/run.sh starts the sshd when it is not up) and puts its tables and targets in
 * bench/results/latest.md; alone:
 *
 *   eval "$(bash scripts/daemon.sh env)"; eval "$(bash scripts/sshd.sh start)"
 *   npx tsx bench/scenarios/ssh.ts      # writes bench/results/ssh.md and ssh.json
 *
 * Numbers from a shared, loaded machine: medians, and the load average is recorded.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DockerClient } from "../../src/index.js";
import { liveSshProcessIds } from "../../src/transport/ssh-process.js";
import { SSH_DEFAULTS, type SshOptions } from "../config.js";
import { median } from "../lib/stats.js";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: eval "$(bash scripts/daemon.sh env)"; eval "$(bash scripts/sshd.sh start)"`);
  return value;
};

/** One call kind of one contender. */
export interface SshRow {
  contender: string;
  op: string;
  calls: number;
  latencyUs: number;
  cpuUsPerCall: number;
  note?: string | undefined;
}

/** What the scenario measured. */
export interface SshResult {
  rows: SshRow[];
  exports: { contender: string; mbps: number; note?: string }[];
  options: SshOptions;
  loadAvg: number[];
}

const TICK_US = 1_000_000 / 100; // /proc CPU times are in USER_HZ (100 on Linux)

type Row = SshRow;

/** CPU microseconds of the given processes so far (utime + stime from /proc). */
function childCpuUs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      total += (Number(fields[11]) + Number(fields[12])) * TICK_US;
    } catch {
      // gone
    }
  }
  return total;
}

const ownCpuUs = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

/** `calls` sequential calls of `fn`: median latency, and CPU per call (this process + `children()`). */
async function measure(
  contender: string,
  op: string,
  calls: number,
  fn: () => Promise<unknown>,
  children: () => number[] = () => [],
): Promise<Row> {
  for (let i = 0; i < Math.min(50, Math.ceil(calls / 4)); i++) await fn(); // warm-up
  const pids = children();
  const cpu0 = ownCpuUs() + childCpuUs(pids);
  const latencies: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await fn();
    latencies.push((performance.now() - t) * 1000);
  }
  const cpu = ownCpuUs() + childCpuUs(pids) - cpu0;
  return { contender, op, calls, latencyUs: median(latencies), cpuUsPerCall: cpu / calls };
}

/** A directory whose `ssh` runs the system one with the sshd's client config (for the docker CLI). */
function sshWrapperDir(CONFIG: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-ssh-"));
  fs.writeFileSync(path.join(dir, "ssh"), `#!/bin/sh\nexec /usr/bin/ssh -F ${CONFIG} "$@"\n`, { mode: 0o755 });
  return dir;
}

async function exportMBps(docker: DockerClient, id: string): Promise<number> {
  const t = performance.now();
  let bytes = 0;
  const body = await docker.exportContainer({ id });
  for await (const piece of body as unknown as AsyncIterable<Uint8Array>) bytes += piece.byteLength;
  return bytes / 1e6 / ((performance.now() - t) / 1000);
}

/** Runs the scenario against $BERTH_TEST_DOCKER_HOST and the sshd's $BERTH_TEST_SSH_*. */
export async function runSsh(options: SshOptions = SSH_DEFAULTS): Promise<SshResult> {
  const UNIX = env("BERTH_TEST_DOCKER_HOST");
  const SSH = env("BERTH_TEST_SSH_HOST");
  const CONFIG = env("BERTH_TEST_SSH_CONFIG");
  const SSH_DIR = env("BERTH_TEST_SSH_DIR");
  const IMAGE = process.env["BERTH_TEST_IMAGE"] ?? "berth-test/busybox:latest";
  const { calls: CALLS, cliCalls: CLI_CALLS, dockerodeCalls: DOCKERODE_CALLS, exportMiB: EXPORT_MIB } = options;
  const rows: Row[] = [];
  const exports: { contender: string; mbps: number; note?: string }[] = [];
  const unix = new DockerClient({ host: UNIX, apiVersion: "1.41" });
  const ssh = new DockerClient({ host: SSH, apiVersion: "1.41", ssh: { configFile: CONFIG } });
  const { Id: id } = await unix.createContainer({
    name: `berth-bench-ssh-${process.pid}`,
    config: { Image: IMAGE, Cmd: ["sh", "-c", `head -c ${EXPORT_MIB * 1024 * 1024} /dev/zero > /big`], NetworkDisabled: true },
    hostConfig: { NetworkMode: "none" },
  });
  const wrapper = sshWrapperDir(CONFIG);
  try {
    await unix.startContainer({ id });
    await unix.waitContainer({ id });

    rows.push(await measure("berth unix", "ping", CALLS, () => unix.ping()));
    rows.push(await measure("berth ssh", "ping", CALLS, () => ssh.ping(), liveSshProcessIds));
    rows.push(await measure("berth unix", "inspect", CALLS, () => unix.inspectContainer({ id })));
    rows.push(await measure("berth ssh", "inspect", CALLS, () => ssh.inspectContainer({ id }), liveSshProcessIds));

    // The docker CLI: one process (and ssh connection) per call; CPU of the whole process tree.
    const cliEnv = { ...process.env, PATH: `${wrapper}:${process.env["PATH"]}`, DOCKER_CONFIG: path.join(wrapper, "docker-config") };
    const cli = spawnSync("docker", ["-H", SSH, "inspect", "--format", "{{.Id}}", id], { env: cliEnv, encoding: "utf8" });
    if (cli.status === 0) {
      for (const [op, args] of [
        ["ping", ["-H", SSH, "version", "--format", "{{.Server.Version}}"]],
        ["inspect", ["-H", SSH, "inspect", "--format", "{{.Id}}", id]],
      ] as const) {
        const latencies: number[] = [];
        let cpu = 0;
        for (let i = 0; i < CLI_CALLS; i++) {
          const t = performance.now();
          const out = execFileSync("bash", ["-c", 'TIMEFORMAT="%U %S"; { time docker "$@" >/dev/null; } 2>&1', "_", ...args], {
            env: cliEnv,
            encoding: "utf8",
          });
          latencies.push((performance.now() - t) * 1000);
          const [user, sys] = out.trim().split(/\s+/).slice(-2).map(Number);
          cpu += ((user ?? 0) + (sys ?? 0)) * 1e6;
        }
        rows.push({
          contender: "docker CLI -H ssh://",
          op,
          calls: CLI_CALLS,
          latencyUs: median(latencies),
          cpuUsPerCall: cpu / CLI_CALLS,
          note: "ping = docker version",
        });
      }
    } else
      rows.push({
        contender: "docker CLI -H ssh://",
        op: "-",
        calls: 0,
        latencyUs: NaN,
        cpuUsPerCall: NaN,
        note: `does not run: ${cli.stderr.trim().slice(0, 200)}`,
      });

    // dockerode over ssh2 (docker-modem's ssh agent), with the sshd's client key.
    try {
      const { default: Dockerode } = await import("dockerode");
      const url = new URL(SSH);
      const dockerode = new Dockerode({
        protocol: "ssh",
        host: url.hostname,
        port: Number(url.port),
        username: decodeURIComponent(url.username),
        sshOptions: { privateKey: fs.readFileSync(path.join(SSH_DIR, "id_ed25519")) },
      } as never);
      const container = dockerode.getContainer(id);
      rows.push(await measure("dockerode ssh (ssh2)", "ping", DOCKERODE_CALLS, () => dockerode.ping()));
      rows.push(await measure("dockerode ssh (ssh2)", "inspect", DOCKERODE_CALLS, () => container.inspect()));
      const t = performance.now();
      let bytes = 0;
      const stream = (await container.export()) as unknown as AsyncIterable<Buffer>;
      for await (const piece of stream) bytes += piece.length;
      exports.push({ contender: "dockerode ssh (ssh2)", mbps: bytes / 1e6 / ((performance.now() - t) / 1000) });
    } catch (error) {
      rows.push({
        contender: "dockerode ssh (ssh2)",
        op: "-",
        calls: 0,
        latencyUs: NaN,
        cpuUsPerCall: NaN,
        note: `does not run: ${String(error).slice(0, 200)}`,
      });
    }

    for (const [name, client] of [
      ["berth unix", unix],
      ["berth ssh", ssh],
    ] as const) {
      await exportMBps(client, id); // warm-up
      exports.push({
        contender: name,
        mbps: median([await exportMBps(client, id), await exportMBps(client, id), await exportMBps(client, id)]),
      });
    }
  } finally {
    await unix.removeContainer({ id, force: true });
    await Promise.all([unix.close(), ssh.close()]);
    fs.rmSync(wrapper, { recursive: true, force: true });
  }

  return { rows, exports, options, loadAvg: os.loadavg() };
}

/** The scenario's tables as markdown (without a title). */
export function sshTables(result: SshResult): string[] {
  const { rows, exports } = result;
  const { calls: CALLS, cliCalls: CLI_CALLS, dockerodeCalls: DOCKERODE_CALLS, exportMiB: EXPORT_MIB } = result.options;
  const base = (op: string) => rows.find((r) => r.contender === "berth unix" && r.op === op);
  const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
  const unixExport = exports.find((x) => x.contender === "berth unix")?.mbps ?? Number.NaN;
  return [
    `Sequential calls (berth: ${CALLS} each; dockerode: ${DOCKERODE_CALLS}; each after a quarter as many warm-up calls, at most 50; docker CLI: ${CLI_CALLS}); medians. CPU per call counts this process and its ssh children (berth ssh), or the whole docker CLI process tree.`,
    "",
    "| contender | call | latency µs | × unix | CPU µs/call | × unix | note |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ...rows.map((r) => {
      const b = r.op === "-" ? undefined : base(r.op);
      return `| ${r.contender} | ${r.op} | ${fmt(r.latencyUs)} | ${b ? fmt(r.latencyUs / b.latencyUs, 2) : "–"} | ${fmt(r.cpuUsPerCall)} | ${b ? fmt(r.cpuUsPerCall / b.cpuUsPerCall, 2) : "–"} | ${r.note ?? ""} |`;
    }),
    "",
    `Export of a container with a ${EXPORT_MIB} MiB file (berth: median of 3 after a warm-up; dockerode: one):`,
    "",
    "| contender | MB/s | × unix |",
    "| --- | ---: | ---: |",
    ...exports.map((e) => `| ${e.contender} | ${fmt(e.mbps, 1)} | ${fmt(e.mbps / unixExport, 2)} |`),
    "",
  ];
}

async function main(): Promise<void> {
  const n = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const result = await runSsh({
    calls: n("BENCH_SSH_CALLS", SSH_DEFAULTS.calls),
    cliCalls: n("BENCH_SSH_CLI_CALLS", SSH_DEFAULTS.cliCalls),
    dockerodeCalls: n("BENCH_SSH_DOCKERODE_CALLS", SSH_DEFAULTS.dockerodeCalls),
    exportMiB: n("BENCH_SSH_EXPORT_MIB", SSH_DEFAULTS.exportMiB),
  });
  const lines = [
    "# ssh:// transport (bench/scenarios/ssh.ts)",
    "",
    `One run, ${new Date().toISOString()}, ${os.cpus().length} cores, load average ${result.loadAvg.map((l) => l.toFixed(1)).join(" ")} (a shared machine).`,
    ...sshTables(result),
  ];
  const { rows, exports } = result;
  const results = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "results");
  fs.writeFileSync(path.join(results, "ssh.md"), lines.join("\n"));
  fs.writeFileSync(
    path.join(results, "ssh.json"),
    JSON.stringify({ rows, exports, loadAvg: result.loadAvg, calls: result.options.calls }, null, 2) + "\n",
  );
  console.log(lines.join("\n"));
}

// Run alone (`npx tsx bench/scenarios/ssh.ts`), not when bench/run.ts imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
  process.exit(0);
}
