/**
 * Faults on a real daemon: dockerd SIGKILLed in the middle of a request, a pull, an export and
 * an attach; aborts; and the socket count afterwards. These tests kill their daemon, so they
 * start one of their own (scripts/daemon.sh with BERTH_DAEMON_DIR=/tmp/berth-faults-<pid> and
 * registry ports that are free) and stop it at the end; the shared daemon is never touched.
 *
 * What is asserted for each kill: the call ends promptly (well under the 60 s test timeout;
 * the times are printed) with a typed error, no promise rejection goes unhandled, a call made
 * while the daemon is down fails with ConnectionRefusedError, and after `start-daemon-only`
 * the same client (its keep-alive pool included) works again.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { attachToContainer } from "../../src/attach/index.js";
import { readJsonStream } from "../../src/codecs/json-stream.js";
import {
  ConnectionRefusedError,
  DockerAbortError,
  DockerConnectionError,
  createDockerApi,
  isDockerError,
  type DockerApi,
} from "../../src/index.js";

const run = promisify(execFile);
// A directory and registry ports of this run's own, so that parallel runs never kill each other's daemon.
const DIR = process.env["BERTH_FAULTS_DAEMON_DIR"] ?? `/tmp/berth-faults-${process.pid}`;
const HOST = `unix://${DIR}/docker.sock`;
const IMAGE = "berth-test/busybox:latest";
const BIG_LOCAL = "berth-faults-big-local";
const BIG_FILE_BYTES = 50 * 1024 * 1024;
let REGISTRY: string;
let BIG_REPO: string;
let daemonEnv: NodeJS.ProcessEnv;
const daemonSh = (command: string) => run("bash", ["scripts/daemon.sh", command], { env: daemonEnv, maxBuffer: 16 * 1024 * 1024 });

/** A TCP port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const timings: Record<string, number> = {};
let docker: DockerApi<any>;
let legacy: DockerApi<any>;
let work: string;

/**
 * Kills the daemon; returns when the kill command was started (daemon.sh then waits until
 * the process is gone, and berth may see the closed sockets before that wait ends).
 */
async function killDaemon(): Promise<number> {
  const started = performance.now();
  await daemonSh("kill-daemon");
  return started;
}

/**
 * While the daemon is down a call fails with a connection error (ConnectionRefusedError, or a
 * reset when it went out on a pooled socket whose close was not seen yet); after
 * start-daemon-only the same clients work again.
 */
async function expectRefusedThenRecovered(): Promise<void> {
  const down = await docker.api.GET("/_ping", { parseAs: "text" }).catch((e: unknown) => e);
  expect(down).toBeInstanceOf(DockerConnectionError);
  // A client with no pooled socket has to dial: nothing listens any more.
  const fresh = createDockerApi<any>({ host: HOST, preferredVersion: "1.41", apiVersion: "1.41" });
  expect(await fresh.api.GET("/_ping", { parseAs: "text" }).catch((e: unknown) => e)).toBeInstanceOf(ConnectionRefusedError);
  await fresh.close();
  await daemonSh("start-daemon-only");
  for (const client of [docker, legacy]) expect((await client.api.GET("/_ping", { parseAs: "text" })).data).toBe("OK");
}

async function settle(promise: Promise<unknown>): Promise<{ error?: unknown; at: number }> {
  try {
    await promise;
    return { at: performance.now() };
  } catch (error) {
    return { error, at: performance.now() };
  }
}

/** Reads a progress stream to its end; throws on an `error` message. */
async function drainProgress(body: ReadableStream<Uint8Array>): Promise<unknown[]> {
  const messages: unknown[] = [];
  for await (const item of readJsonStream(body)) {
    if (item.error) throw item.error;
    const message = item.value as { error?: string };
    if (message.error) throw new Error(`daemon reported: ${message.error}`);
    messages.push(message);
  }
  return messages;
}

async function createContainer(config: Record<string, unknown>, client = docker): Promise<string> {
  const { data } = await client.api.POST("/containers/create", {
    body: { Image: IMAGE, NetworkDisabled: true, HostConfig: { NetworkMode: "none" }, StopTimeout: 1, ...config },
  });
  return data.Id as string;
}

/** Imports the 50 MB tarball as `repo:latest`. */
async function importBig(repo: string): Promise<void> {
  const { data } = await docker.api.POST("/images/create", {
    params: { query: { fromSrc: "-", repo, tag: "latest" } },
    body: fs.createReadStream(path.join(work, "big.tar")) as never,
    bodySerializer: (body: unknown) => body as never,
    headers: { "Content-Type": "application/x-tar" },
    parseAs: "stream",
  });
  await drainProgress(data as ReadableStream<Uint8Array>);
}

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  const [registryPort, authRegistryPort] = [await freePort(), await freePort()];
  REGISTRY = `127.0.0.1:${registryPort}`;
  BIG_REPO = `${REGISTRY}/berth-faults-big`;
  daemonEnv = {
    ...process.env,
    BERTH_DAEMON_DIR: DIR,
    BERTH_REGISTRY_PORT: String(registryPort),
    BERTH_AUTH_REGISTRY_PORT: String(authRegistryPort),
  };
  await daemonSh("start");
  docker = createDockerApi<any>({ host: HOST, preferredVersion: "1.41", apiVersion: "1.41" });
  legacy = createDockerApi<any>({ host: HOST, preferredVersion: "1.12", apiVersion: "1.12" });

  // A 50 MB image of random bytes (incompressible: the registry blob is as big), pushed to this
  // daemon's registry and removed locally, so that a pull has something to download.
  work = fs.mkdtempSync(path.join(os.tmpdir(), "berth-faults-"));
  await run("bash", ["-c", `head -c ${BIG_FILE_BYTES} /dev/urandom > "$0/big.bin" && tar -C "$0" -cf "$0/big.tar" big.bin`, work]);
  await importBig(BIG_REPO);
  const { data: pushed } = await docker.api.POST("/images/{name}/push", {
    params: { path: { name: BIG_REPO }, query: { tag: "latest" } },
    headers: { "X-Registry-Auth": "e30=" },
    parseAs: "stream",
  });
  await drainProgress(pushed as ReadableStream<Uint8Array>);
  await docker.api.DELETE("/images/{name}", { params: { path: { name: `${BIG_REPO}:latest` } } });
}, 240_000);

afterEach(async () => {
  // A test that failed half-way must not leave the daemon down for the next one.
  const up = await docker?.api.GET("/_ping", { parseAs: "text" }).then(
    () => true,
    () => false,
  );
  if (up === false) await daemonSh("start-daemon-only");
  expect(unhandled).toEqual([]);
}, 120_000);

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  console.log(
    `[faults] time from the kill command to the end of the call: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(", ")}`,
  );
  await docker?.close();
  await legacy?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  if (daemonEnv) await daemonSh("stop");
}, 120_000);

describe("the daemon killed (SIGKILL) mid-way", () => {
  it("mid-request: /containers/{id}/wait in flight at API 1.41 (head already sent) and 1.12 (nothing sent yet)", async () => {
    const id = await createContainer({ Cmd: ["sleep", "1000"] });
    await docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
    const waits = [
      settle(docker.api.POST("/containers/{id}/wait", { params: { path: { id } } })),
      settle(legacy.api.POST("/containers/{id}/wait", { params: { path: { id } } })),
    ];
    await new Promise((r) => setTimeout(r, 300));
    const killed = await killDaemon();
    const [modern, old] = await Promise.all(waits);
    for (const result of [modern!, old!]) {
      expect(result.error).toBeInstanceOf(DockerConnectionError);
      expect(result.at - killed).toBeLessThan(2_000);
    }
    timings["wait@1.41"] = modern!.at - killed;
    timings["wait@1.12"] = old!.at - killed;
    await expectRefusedThenRecovered();
  });

  it("mid-pull: the daemon's registry pull of a 50 MB image", async () => {
    const { data } = await docker.api.POST("/images/create", {
      params: { query: { fromImage: BIG_REPO, tag: "latest" } },
      headers: { "X-Registry-Auth": "e30=" },
      parseAs: "stream",
    });
    let killed = 0;
    let downloading = 0;
    const pull = settle(
      (async () => {
        for await (const item of readJsonStream(data as ReadableStream<Uint8Array>)) {
          const message = item.value as { status?: string; progressDetail?: { current?: number } } | undefined;
          if (message?.status === "Downloading" && (message.progressDetail?.current ?? 0) > 0 && killed === 0) {
            downloading = message.progressDetail!.current!;
            killed = await killDaemon();
          }
        }
      })(),
    );
    const { error, at } = await pull;
    expect(downloading).toBeGreaterThan(0);
    expect(downloading).toBeLessThan(BIG_FILE_BYTES);
    expect(error).toBeInstanceOf(DockerConnectionError);
    expect(at - killed).toBeLessThan(2_000);
    timings["pull"] = at - killed;
    await expectRefusedThenRecovered();
    // The pull, asked again, completes.
    const { data: again } = await docker.api.POST("/images/create", {
      params: { query: { fromImage: BIG_REPO, tag: "latest" } },
      headers: { "X-Registry-Auth": "e30=" },
      parseAs: "stream",
    });
    await drainProgress(again as ReadableStream<Uint8Array>);
    expect(
      (await docker.api.GET("/images/{name}/json", { params: { path: { name: `${BIG_REPO}:latest` } } })).data.Size,
    ).toBeGreaterThanOrEqual(BIG_FILE_BYTES);
  });

  it("mid-export: a container with a 50 MB file, killed while the tar is being read", async () => {
    // Imported only now: a local copy of the layer before the pull test would make that pull download nothing.
    await importBig(BIG_LOCAL);
    const id = await createContainer({ Image: BIG_LOCAL, Cmd: ["/big.bin"] });
    const { data } = await docker.api.GET("/containers/{id}/export", { params: { path: { id } }, parseAs: "stream" });
    const reader = (data as ReadableStream<Uint8Array>).getReader();
    let received = (await reader.read()).value?.byteLength ?? 0;
    const killed = await killDaemon();
    const { error, at } = await settle(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += value.byteLength;
        }
      })(),
    );
    expect(error).toBeInstanceOf(DockerConnectionError);
    expect(received).toBeLessThan(BIG_FILE_BYTES);
    expect(at - killed).toBeLessThan(2_000);
    timings["export"] = at - killed;
    await expectRefusedThenRecovered();
    // The container was not running, so it survived: its export, asked again, is whole.
    const { data: again } = await docker.api.GET("/containers/{id}/export", { params: { path: { id } }, parseAs: "stream" });
    let total = 0;
    for await (const chunk of again as ReadableStream<Uint8Array>) total += chunk.byteLength;
    expect(total).toBeGreaterThan(BIG_FILE_BYTES);
    await docker.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });
  });

  it("mid-attach: the session ends at once (the stream's end is the daemon's close), and the follow-up call is refused", async () => {
    const id = await createContainer({ Cmd: ["sh", "-c", "while true; do echo tick; sleep 0.05; done"] });
    const session = await attachToContainer(docker, { container: id, stream: true, stdout: true, stderr: true, tty: false });
    await docker.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
    const reader = session.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("tick");
    const killed = await killDaemon();
    const ended = await settle(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    );
    const closed = await settle(session.closed);
    timings["attach"] = ended.at - killed;
    expect(ended.at - killed).toBeLessThan(2_000);
    // A hijacked stream has no framing of its own end: a daemon killed between two frames
    // closes it exactly as a container exit does (EOF), so the output simply ends. Cut inside
    // a frame it is a DockerProtocolError, reset it is a DockerConnectionError: typed either way.
    for (const { error } of [ended, closed]) if (error !== undefined) expect(isDockerError(error)).toBe(true);
    // What tells the two apart is the next call, as for the docker CLI (attach, then wait).
    const wait = await docker.api.POST("/containers/{id}/wait", { params: { path: { id } } }).catch((e: unknown) => e);
    expect(wait).toBeInstanceOf(DockerConnectionError);
    await expectRefusedThenRecovered();
    // Attach works again on the restarted daemon.
    const next = await createContainer({ Cmd: ["echo", "back"] });
    const again = await attachToContainer(docker, { container: next, stream: true, stdout: true, tty: false });
    await docker.api.POST("/containers/{id}/start", { params: { path: { id: next } }, parseAs: "text" });
    expect(await new Response(again.stdout).text()).toBe("back\n");
    await docker.api.DELETE("/containers/{id}", { params: { path: { id: next }, query: { force: true } }, parseAs: "text" });
  });
});

describe("aborts on the real daemon", () => {
  /** Sockets among this process's open file descriptors. */
  const socketFds = () =>
    fs.readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:");
      } catch {
        return false;
      }
    }).length;

  it("a wait, an events stream, an export stream and an attach each stop within 100 ms; no socket is left", async () => {
    const baseline = socketFds();
    const client = createDockerApi<any>({ host: HOST, preferredVersion: "1.41", apiVersion: "1.41" });
    const id = await createContainer({ Cmd: ["sh", "-c", "while true; do echo tick; sleep 0.05; done"] }, client);
    await client.api.POST("/containers/{id}/start", { params: { path: { id } }, parseAs: "text" });
    const latencies: Record<string, number> = {};
    const measure = async (name: string, begin: (signal: AbortSignal) => Promise<() => Promise<unknown>>) => {
      const controller = new AbortController();
      const next = await begin(controller.signal);
      const pending = settle(next());
      await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      controller.abort();
      const { error, at } = await pending;
      expect(error, name).toBeInstanceOf(DockerAbortError);
      latencies[name] = at - started;
    };
    await measure("wait", async (signal) => () => client.api.POST("/containers/{id}/wait", { params: { path: { id } }, signal }));
    await measure("events", async (signal) => {
      const { data } = await client.api.GET("/events", { parseAs: "stream", signal });
      const reader = (data as ReadableStream<Uint8Array>).getReader();
      return () => reader.read();
    });
    await measure("logs", async (signal) => {
      const { data } = await client.api.GET("/containers/{id}/logs", {
        params: { path: { id }, query: { follow: true, stdout: true } },
        parseAs: "stream",
        signal,
      });
      const reader = (data as ReadableStream<Uint8Array>).getReader();
      return async () => {
        for (;;) if ((await reader.read()).done) return;
      };
    });
    await measure("attach", async (signal) => {
      const session = await attachToContainer(client, { container: id, stream: true, stdout: true, tty: false, signal });
      const reader = session.stdout.getReader();
      return async () => {
        for (;;) if ((await reader.read()).done) return;
      };
    });
    for (const [name, ms] of Object.entries(latencies)) expect(ms, name).toBeLessThan(100);
    console.log(
      `[faults] abort latency on the daemon: ${Object.entries(latencies)
        .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
        .join(", ")}`,
    );
    await client.api.DELETE("/containers/{id}", { params: { path: { id }, query: { force: true } }, parseAs: "text" });
    await client.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(socketFds()).toBeLessThanOrEqual(baseline);
  });
});
