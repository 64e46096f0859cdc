/**
 * The daemon the benchmark talks to, and the containers it prepares there. Everything the
 * benchmark creates carries the label `berth-bench=<run id>` and a `berth-bench-` name, runs
 * without network (`NetworkDisabled`, `NetworkMode: none`), stops within a second
 * (`StopTimeout: 1`), and is removed at the end (`cleanupRun`), since the daemon is shared.
 */
import { RawHttp, socketPathOf } from "./raw-http.js";

/** Where the daemon is and what to run there. */
export interface BenchTarget {
  /** `unix://` DOCKER_HOST of the daemon. */
  host: string;
  socketPath: string;
  /** The busybox test image. */
  image: string;
  /** Label value and name part of everything this run creates. */
  runId: string;
}

/** The target from the environment `scripts/daemon.sh` exports (`BERTH_TEST_*`). */
export function targetFromEnv(env: Record<string, string | undefined> = process.env): BenchTarget {
  const host = env["BERTH_BENCH_DOCKER_HOST"] ?? env["BERTH_TEST_DOCKER_HOST"] ?? "unix:///tmp/berth-daemon/docker.sock";
  return {
    host,
    socketPath: socketPathOf(host),
    image: env["BERTH_TEST_IMAGE"] ?? "berth-test/busybox:latest",
    runId: env["BERTH_BENCH_RUN_ID"] ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
  };
}

let counter = 0;

/** A unique container or volume name of this run. */
export function uniqueName(target: BenchTarget, what: string): string {
  return `berth-bench-${target.runId}-${what}-${process.pid}-${(counter++).toString(36)}`;
}

/** A container create body with the shared-daemon rules applied. */
export function containerSpec(target: BenchTarget, cmd: string[], extra: { LogConfig?: { Type: string } } = {}): Record<string, unknown> {
  return {
    Image: target.image,
    Cmd: cmd,
    NetworkDisabled: true,
    StopTimeout: 1,
    Labels: { "berth-bench": target.runId },
    HostConfig: { NetworkMode: "none", ...(extra.LogConfig ? { LogConfig: extra.LogConfig } : {}) },
  };
}

/** A shell command that writes `bytes` bytes of printable 1 KiB lines to stdout (log-like output). */
export function linesCommand(bytes: number): string[] {
  return ["sh", "-c", `s=0123456789abcdef; for i in 1 2 3 4 5 6; do s=$s$s; done; yes $s | head -c ${bytes}`];
}

/** A shell command that writes `bytes` bytes (a multiple of 64 KiB) to stdout in 64 KiB writes (bulk output). */
export function bulkCommand(bytes: number): string[] {
  return ["sh", "-c", `dd if=/dev/zero bs=65536 count=${Math.ceil(bytes / 65536)} 2>/dev/null`];
}

/** Creates a container; returns its id. */
export async function createContainer(raw: RawHttp, target: BenchTarget, what: string, spec: Record<string, unknown>): Promise<string> {
  const created = await raw.json<{ Id: string }>("POST", `/containers/create?name=${uniqueName(target, what)}`, spec);
  return created.Id;
}

/** Creates, starts and waits for a container; returns its id (the container is kept). */
export async function runContainer(raw: RawHttp, target: BenchTarget, what: string, spec: Record<string, unknown>): Promise<string> {
  const id = await createContainer(raw, target, what, spec);
  await raw.json("POST", `/containers/${id}/start`);
  const { StatusCode } = await raw.json<{ StatusCode: number }>("POST", `/containers/${id}/wait`);
  if (StatusCode !== 0) throw new Error(`setup container ${what} exited with ${StatusCode}`);
  return id;
}

/** Removes a container, running or not; a missing one is fine. */
export async function removeContainer(raw: RawHttp, id: string): Promise<void> {
  const res = await raw.request("DELETE", `/containers/${id}?force=1&v=1`);
  if (res.status >= 300 && res.status !== 404) throw new Error(`DELETE container ${id}: ${res.status} ${res.body.toString().trim()}`);
}

/** Removes every container and volume this run left behind; returns how many there were. */
export async function cleanupRun(raw: RawHttp, target: BenchTarget): Promise<number> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`berth-bench=${target.runId}`] }));
  const containers = await raw.json<{ Id: string }[]>("GET", `/containers/json?all=1&filters=${filters}`);
  for (const c of containers) await removeContainer(raw, c.Id);
  const prefix = `berth-bench-${target.runId}-`;
  const volumes = (await raw.json<{ Volumes: { Name: string }[] | null }>("GET", "/volumes")).Volumes ?? [];
  const ours = volumes.filter((v) => v.Name.startsWith(prefix));
  for (const v of ours) await raw.request("DELETE", `/volumes/${v.Name}?force=1`);
  return containers.length + ours.length;
}

/** The daemon's version answer (for the report header). */
export async function daemonVersion(raw: RawHttp): Promise<{ Version: string; ApiVersion: string; MinAPIVersion?: string }> {
  return raw.json("GET", "/version");
}

/** A RawHttp for the target. */
export function rawFor(target: BenchTarget): RawHttp {
  return new RawHttp(target.socketPath);
}
